#!/bin/sh
# Makes every audio asset of the media engine from nothing: synthesized hold music, a beep,
# and spoken prompts (espeak-ng, a calm female voice), all 16 kHz mono 16-bit WAV.
# Needs: node, espeak-ng, sox. Run from anywhere: sh packages/media/assets/make-assets.sh
set -eu
cd "$(dirname "$0")"
mkdir -p music tones prompts prompts/digits

node make-hold-music.mjs music/hold.wav

# Voicemail beep: 1 kHz for 250 ms, with 10 ms fades so it does not click.
sox -n -r 16000 -c 1 -b 16 tones/beep.wav synth 0.25 sine 1000 vol 0.4 fade 0.01 0.25 0.01

VOICE="en-us+f3"
say() { # say FILE TEXT
  espeak-ng -v "$VOICE" -s 145 -p 42 -a 110 -w /tmp/sb-prompt.$$.wav "$2"
  # Resample to 16 kHz, trim leading/trailing silence, leave 150 ms of air at the end.
  sox /tmp/sb-prompt.$$.wav -r 16000 -c 1 -b 16 "$1" silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse pad 0 0.15 vol 0.9
  rm -f /tmp/sb-prompt.$$.wav
}

say prompts/leave-message.wav "Please leave a message after the tone."
say prompts/not-available.wav "The person you are calling is not available."
say prompts/message-saved.wav "Your message has been saved."
say prompts/you-have.wav "You have"
say prompts/new-message.wav "new message."
say prompts/new-messages.wav "new messages."
say prompts/messages.wav "messages."
say prompts/voicemail-menu.wav "Press 1 to replay, 2 or the pound key for the next message, 7 to delete, 9 to record your greeting. Hang up when you are done."
say prompts/message-deleted.wav "Message deleted."
say prompts/greeting-offer.wav "To record your greeting, press 9."
say prompts/greeting-record.wav "After the tone, say your greeting, then press the pound key."
say prompts/greeting-playback.wav "Here is your greeting."
say prompts/greeting-menu.wav "Press 1 to keep it, 2 to record it again, or 3 to use the standard greeting."
say prompts/greeting-saved.wav "Your greeting has been saved."
say prompts/greeting-standard.wav "Callers will hear the standard greeting."
say prompts/nothing-recorded.wav "Nothing was recorded."
say prompts/no-more-messages.wav "No more messages."
say prompts/not-in-service.wav "The number you dialled is not in service."
say prompts/conference-full.wav "The conference is full."
say prompts/conference-joined.wav "You are now in the conference."
say prompts/goodbye.wav "Goodbye."
say prompts/dnd-on.wav "Do not disturb is on."
say prompts/dnd-off.wav "Do not disturb is off."
say prompts/echo-test.wav "Echo test. Speak and you will hear yourself."
for n in 0 1 2 3 4 5 6 7 8 9 10; do
  words="zero one two three four five six seven eight nine ten"
  word=$(echo "$words" | cut -d' ' -f$((n + 1)))
  say "prompts/digits/$n.wav" "$word"
done
du -sh . | sed 's/^/assets: /'
