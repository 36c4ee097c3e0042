import { createHash } from 'node:crypto';
import { script } from './script';
import { stylesheet } from './styles';

const hashOf = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
const styleHash = hashOf(stylesheet);
const scriptHash = hashOf(script);

/** The origin of an http(s) URL, or undefined. */
function originOf(url: string | null) {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The Content-Security-Policy of the pages: their one inline stylesheet and
 * script by hash (a nonce would make every answer different, and the pages
 * are served from a shared cache), images from here, data: URLs and the
 * logo's and favicon's origins the admin chose; nothing else.
 */
export function pageCsp(images: { logo_url: string | null; favicon_url: string | null }) {
  const imageOrigins = [...new Set([originOf(images.logo_url), originOf(images.favicon_url)])].filter(Boolean);
  return [
    "default-src 'none'",
    `style-src ${styleHash}`,
    `script-src ${scriptHash}`,
    ["img-src 'self' data:", ...imageOrigins].join(' '),
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}
