export type DotColor = 'green' | 'yellow' | 'red' | 'grey';

/** A coloured dot; the text beside it carries the meaning, so the dot itself is decorative. */
export function StatusDot({ color }: { color: DotColor }) {
  return <span className={`dot dot-${color}`} aria-hidden="true" />;
}
