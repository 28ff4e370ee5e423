import { useState } from 'react';
import type { VoicemailMessage } from '@switchboard/api';
import { ApiFailure, api, voicemailAudioUrl } from '../../lib/api.js';
import { usePortalEvent } from '../../lib/portal-events.js';
import { useResource } from '../../lib/use-resource.js';
import { formatWhen, formatLength } from './format.js';

/** The Voicemail tab: messages newest first; play in the browser, mark heard, download, delete. */
export default function VoicemailPage() {
  const box = useResource(() => api.voicemail());
  const { reload } = box;
  usePortalEvent('voicemail', reload);
  usePortalEvent('calls.changed', reload);
  const [playing, setPlaying] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const act = async (what: () => Promise<unknown>, failed: string) => {
    setProblem(null);
    try {
      await what();
    } catch (failure) {
      setProblem(failure instanceof ApiFailure ? failure.message : failed);
    }
    reload();
  };
  const setHeard = (message: VoicemailMessage, heard: boolean) => act(() => api.markVoicemail(message.id, heard), 'The message could not be updated. Try again.');
  const remove = (message: VoicemailMessage) =>
    act(async () => {
      await api.deleteVoicemail(message.id);
      if (playing === message.id) setPlaying(null);
      setConfirming(null);
    }, 'The message could not be deleted. Try again.');

  const messages = box.data?.messages ?? [];
  return (
    <div className="page">
      <header className="page-header">
        <h1>Voicemail</h1>
        {box.data ? <p className="page-summary">{box.data.unread === 0 ? 'No new messages' : `${box.data.unread} new`}</p> : null}
      </header>
      {box.failure === 'not_found' ? <p className="notice notice-info">Voicemail is not available yet.</p> : null}
      {box.error && box.failure !== 'not_found' ? <p className="notice notice-error">{box.error}</p> : null}
      {problem ? (
        <p className="notice notice-error" role="alert">
          {problem}
        </p>
      ) : null}
      {box.data && messages.length === 0 ? <p className="empty">No messages. When someone leaves you a message, it appears here.</p> : null}
      <ul className="voicemail-list" aria-label="Voicemail messages">
        {messages.map((message) => {
          const from = message.from.name ? `${message.from.name} (${message.from.number})` : message.from.number || 'Unknown caller';
          return (
            <li key={message.id} className={`voicemail${message.heard ? '' : ' voicemail-new'}`} aria-label={`${message.heard ? 'Heard' : 'New'} message from ${from}`}>
              <div className="voicemail-facts">
                <span className="voicemail-from">{from}</span>
                <span className="voicemail-when">
                  <time dateTime={message.receivedAt}>{formatWhen(message.receivedAt)}</time> · {formatLength(message.durationSeconds)}
                </span>
                <span className={`tag ${message.heard ? 'tag-heard' : 'tag-new'}`}>{message.heard ? 'Heard' : 'New'}</span>
              </div>
              {playing === message.id ? (
                <audio
                  className="voicemail-audio"
                  data-role="voicemail-audio"
                  controls
                  autoPlay
                  src={voicemailAudioUrl(message.id)}
                  aria-label={`Message from ${from}`}
                  onPlay={() => {
                    if (!message.heard) void setHeard(message, true);
                  }}
                />
              ) : null}
              <div className="voicemail-actions">
                <button type="button" className="button button-secondary button-small" onClick={() => setPlaying(playing === message.id ? null : message.id)}>
                  {playing === message.id ? 'Stop' : 'Play'}
                </button>
                <button type="button" className="button button-quiet button-small" onClick={() => void setHeard(message, !message.heard)}>
                  {message.heard ? 'Mark as new' : 'Mark as heard'}
                </button>
                <a className="button button-quiet button-small" href={voicemailAudioUrl(message.id, true)} download>
                  Download
                </a>
                {confirming === message.id ? (
                  <span className="confirm" role="group" aria-label="Confirm delete">
                    Delete this message?
                    <button type="button" className="button button-hangup button-small" onClick={() => void remove(message)}>
                      Delete
                    </button>
                    <button type="button" className="button button-quiet button-small" onClick={() => setConfirming(null)}>
                      Keep
                    </button>
                  </span>
                ) : (
                  <button type="button" className="button button-quiet button-small" onClick={() => setConfirming(message.id)}>
                    Delete…
                  </button>
                )}
              </div>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
