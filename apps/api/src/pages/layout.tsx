import type { ComponentChildren } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { IconSprite } from './components';
import { type PageContext, pageHref } from './context';
import { catalogues, languages } from './i18n';
import { script } from './script';
import { feedLinks, subscribeLink } from './slots';
import { stylesheet } from './styles';

/** Shown when the settings name no favicon: inline, so the browser asks for no /favicon.ico. */
const defaultFavicon =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Ccircle cx='8' cy='8' r='7' fill='%231a7f37'/%3E%3C/svg%3E";

function languageHref(ctx: PageContext, language: string) {
  const query = new URLSearchParams({ ...ctx.query, lang: language });
  return `${ctx.path}?${query}`;
}

function Layout({
  ctx,
  title,
  current,
  serviceSlug,
  children,
}: {
  ctx: PageContext;
  title: string;
  current?: 'status' | 'history';
  serviceSlug?: string;
  children: ComponentChildren;
}) {
  const { t, settings } = ctx;
  const feeds = feedLinks.flatMap((feed) => {
    const href = feed.href(serviceSlug ? { serviceSlug } : {});
    return href ? [{ href, type: feed.type, title: feed.title[ctx.lang] }] : [];
  });
  return (
    <html lang={t.locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{title}</title>
        {settings.description ? <meta name="description" content={settings.description} /> : null}
        <link rel="icon" href={settings.favicon_url ?? defaultFavicon} />
        {feeds.map((feed) => (
          <link rel="alternate" type={feed.type} href={feed.href} title={feed.title} />
        ))}
        {languages.map((language) => (
          <link rel="alternate" hreflang={language} href={languageHref(ctx, language)} />
        ))}
        <style dangerouslySetInnerHTML={{ __html: stylesheet }} />
      </head>
      <body>
        <IconSprite />
        <a class="skip" href="#main">
          {t.skipToContent}
        </a>
        <header class="top">
          <div class="wrap">
            <a class="brand" href={pageHref(ctx, '/')}>
              {settings.logo_url ? <img src={settings.logo_url} alt="" height={32} /> : null}
              <span>{settings.name}</span>
            </a>
            <nav aria-label={t.pageNavigation}>
              <ul>
                <li>
                  <a href={pageHref(ctx, '/')} aria-current={current === 'status' ? 'page' : undefined}>
                    {t.navStatus}
                  </a>
                </li>
                <li>
                  <a href={pageHref(ctx, '/history')} aria-current={current === 'history' ? 'page' : undefined}>
                    {t.navHistory}
                  </a>
                </li>
                {subscribeLink.href ? (
                  <li>
                    <a href={subscribeLink.href}>{t.navSubscribe}</a>
                  </li>
                ) : null}
              </ul>
            </nav>
          </div>
        </header>
        <main id="main" class="wrap">
          {children}
        </main>
        <footer>
          <div class="wrap">
            {settings.footer_text ? <p class="msg">{settings.footer_text}</p> : null}
            <ul class="plain">
              {settings.support_url ? (
                <li>
                  <a href={settings.support_url}>{t.supportLink}</a>
                </li>
              ) : null}
              {settings.site_url ? (
                <li>
                  <a href={settings.site_url}>{t.siteLink}</a>
                </li>
              ) : null}
              {feeds.map((feed) => (
                <li>
                  <a href={feed.href} type={feed.type}>
                    {feed.title}
                  </a>
                </li>
              ))}
            </ul>
            <p>{t.timesIn(ctx.timeZone)}</p>
            <nav aria-label={t.languageNavigation} class="lang">
              <ul>
                {languages.map((language) => (
                  <li>
                    <a
                      href={languageHref(ctx, language)}
                      hreflang={language}
                      lang={catalogues[language].locale}
                      aria-current={language === ctx.lang ? 'true' : undefined}
                    >
                      {catalogues[language].languageName}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
            <p>{t.poweredBy}</p>
          </div>
        </footer>
        <script dangerouslySetInnerHTML={{ __html: script }} />
      </body>
    </html>
  );
}

/** A whole page as HTML text. */
export function renderDocument(props: Parameters<typeof Layout>[0]) {
  return `<!doctype html>${renderToString(<Layout {...props} />)}`;
}
