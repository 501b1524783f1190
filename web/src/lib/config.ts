//! Reads the configuration the server injects into index.html (`<script id="wheelhouse-config">`).

import type { AppConfig } from './api/generated';

/** What the server tells the app at page load (the type is generated from the server's). */
export type { AppConfig };

const FALLBACK: AppConfig = {
  basePath: '/',
  locale: 'en',
  defaultLocale: 'en',
  locales: ['en', 'zh-CN'],
  version: 'unknown',
  styleNonce: '',
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Normalises a base path to start and end with `/`. */
export function normaliseBasePath(path: string): string {
  let p = path.trim();
  if (!p.startsWith('/')) p = `/${p}`;
  if (!p.endsWith('/')) p = `${p}/`;
  return p;
}

/** Parses the config script's text, keeping the fallback for anything missing or malformed. */
export function parseConfig(text: string | null | undefined): AppConfig {
  if (!text) return FALLBACK;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return FALLBACK;
  }
  if (!isRecord(raw)) return FALLBACK;
  const str = (key: string, fallback: string): string => {
    const v = raw[key];
    return typeof v === 'string' && v !== '' ? v : fallback;
  };
  const locales = Array.isArray(raw.locales)
    ? raw.locales.filter((l): l is string => typeof l === 'string')
    : FALLBACK.locales;
  return {
    basePath: normaliseBasePath(str('basePath', FALLBACK.basePath)),
    locale: str('locale', FALLBACK.locale),
    defaultLocale: str('defaultLocale', FALLBACK.defaultLocale),
    locales: locales.length > 0 ? locales : FALLBACK.locales,
    version: str('version', FALLBACK.version),
    styleNonce: str('styleNonce', FALLBACK.styleNonce),
  };
}

/** The config of this page load. */
export function readConfig(doc: Document = document): AppConfig {
  return parseConfig(doc.getElementById('wheelhouse-config')?.textContent);
}
