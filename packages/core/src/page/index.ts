// The page module: the public page's settings (name, links, time zone, language).

export type { PageDeps } from './ports';
export { defaultPageSettings } from './rules';
export { createPageUseCases, type PageUseCases } from './settings';
