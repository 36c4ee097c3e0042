import { PageSettingsResponse, UpdatePageSettingsInput } from '@statuspage/contracts';
import { z } from 'zod';
import { adminProcedure, publicProcedure, router } from '../trpc/init';

const tags = ['settings'];

/** Settings of the installation (one level deep, as every router: `settings.getPage`). */
export const settingsRouter = router({
  getPage: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/api/v1/settings/page',
        operationId: 'getPageSettings',
        tags,
        summary: "The public page's settings",
        description:
          'Name, description, logo and favicon, links, time zone, language and footer text of the public page; ' +
          'the defaults (`updated_at` null) until an admin saves them.',
      },
      publicCache: 'public',
    })
    .input(z.void())
    .output(PageSettingsResponse)
    .query(async ({ ctx }) => ({ data: await ctx.publicReads.page.get() })),

  updatePage: adminProcedure
    .meta({
      openapi: {
        method: 'PUT',
        path: '/api/v1/settings/page',
        operationId: 'updatePageSettings',
        tags,
        summary: "Replace the public page's settings",
        description:
          'Replaces every setting: a field left out takes its default (null; `time_zone` UTC; `language` en). ' +
          'URLs must be absolute http(s) URLs; `time_zone` an IANA name such as `Europe/Berlin`.',
      },
    })
    .input(UpdatePageSettingsInput)
    .output(PageSettingsResponse)
    .mutation(async ({ ctx, input }) => ({ data: await ctx.core.page.update(input) })),
});
