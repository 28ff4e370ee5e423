import type { ReactNode } from 'react';

/** A titled section of the side panel or a page. */
export function Panel({ title, badge, children, id }: { title: string; badge?: ReactNode; children: ReactNode; id?: string }) {
  const headingId = `${id ?? title.toLowerCase().replace(/\W+/g, '-')}-heading`;
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 className="panel-title" id={headingId}>
        {title}
        {badge}
      </h2>
      {children}
    </section>
  );
}
