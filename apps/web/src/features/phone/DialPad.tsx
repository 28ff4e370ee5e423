/** A telephone keypad's layout (ITU-T E.161): 1 2 3 / 4 5 6 / 7 8 9 / * 0 #. */
const layout = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'] as const;

const letters: Record<string, string> = {
  '2': 'ABC', '3': 'DEF', '4': 'GHI', '5': 'JKL', '6': 'MNO', '7': 'PQRS', '8': 'TUV', '9': 'WXYZ', '0': '+',
};

/** The 3×4 pad, for dialling and for touch-tones during a call. */
export function DialPad({ onPress, label }: { onPress: (key: string) => void; label: string }) {
  return (
    <div className="dial-pad" role="group" aria-label={label}>
      {layout.map((key) => (
        <button
          key={key}
          type="button"
          className="dial-key"
          aria-label={key}
          // A mouse click leaves the focus where it was, so Enter still places the call.
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => onPress(key)}
        >
          <span className="dial-key-digit" aria-hidden="true">{key}</span>
          <span className="dial-key-letters" aria-hidden="true">{letters[key] ?? '\u00a0'}</span>
        </button>
      ))}
    </div>
  );
}
