import { type Core, UNSUBSCRIBE_PATH } from '@statuspage/core';
import express, { type Router } from 'express';
import { auditedForm } from './audit';

export { UNSUBSCRIBE_PATH };

const page = (title: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body style="font-family:sans-serif;max-width:32rem;margin:4rem auto">${body}</body></html>`;

/**
 * One-click unsubscribe without signing in (RFC 8058). E-mails carry
 * `List-Unsubscribe: <…?token=…>` and `List-Unsubscribe-Post: List-Unsubscribe=One-Click`:
 * mail clients POST to it. A GET (a person clicking the link; or a mail
 * scanner prefetching it) only shows a confirmation form, so nothing is
 * changed by a prefetch.
 */
export function createUnsubscribeRouter(core: Pick<Core, 'unsubscribe'>): Router {
  const router = express.Router();
  router.get(UNSUBSCRIBE_PATH, (req, res) => {
    const token = typeof req.query.token === 'string' ? req.query.token : '';
    res
      .type('html')
      .send(
        page(
          'Unsubscribe',
          `<h1>Unsubscribe</h1><p>Stop notifications to this channel?</p><form method="post" action="?token=${encodeURIComponent(token)}"><button type="submit">Unsubscribe</button></form>`,
        ),
      );
  });
  router.post(
    UNSUBSCRIBE_PATH,
    express.urlencoded({ extended: false, limit: '1kb' }),
    auditedForm,
    async (req, res, next) => {
      try {
        const token = typeof req.query.token === 'string' ? req.query.token : '';
        if (!(await core.unsubscribe.unsubscribe(token))) {
          res.status(400).type('html').send(page('Unsubscribe', '<h1>This link is not valid</h1>'));
          return;
        }
        res
          .type('html')
          .send(
            page(
              'Unsubscribed',
              '<h1>You are unsubscribed</h1><p>This channel will not receive status notifications any more.</p>',
            ),
          );
      } catch (error) {
        next(error);
      }
    },
  );
  return router;
}
