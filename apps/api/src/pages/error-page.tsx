import type { PageContext } from './context';
import { pageHref } from './context';
import { renderDocument } from './layout';

/** The page of an address that shows nothing (404) or asks for what no page shows (400). */
export function renderErrorPage(ctx: PageContext, kind: 'notFound' | 'badRequest') {
  const { t } = ctx;
  const [title, text] = kind === 'notFound' ? [t.notFoundTitle, t.notFoundText] : [t.badRequestTitle, t.badRequestText];
  return renderDocument({
    ctx,
    title: `${title} — ${ctx.settings.name}`,
    children: (
      <>
        <h1>{title}</h1>
        <p>{text}</p>
        <p>
          <a href={pageHref(ctx, '/')}>{t.backToStatus}</a>
        </p>
      </>
    ),
  });
}
