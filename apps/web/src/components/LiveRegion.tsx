/**
 * A polite aria-live region. Re-keying it by `id` makes screen readers announce a message even
 * when the same words come twice ("Call ended" after two calls).
 */
export function LiveRegion({ message }: { message: { id: number; text: string } | null }) {
  return (
    <div className="visually-hidden" role="status" aria-live="polite" aria-atomic="true" data-testid="announcer">
      {message ? <span key={message.id}>{message.text}</span> : null}
    </div>
  );
}
