//! The image registries' API answers (docs/api.md, "Image registries") and the paths that serve them.

export type {
  DeletedTag,
  DeployRequest,
  DeployYaml,
  ImageDetail,
  ImageRepositoryList,
  ImageUsage,
  Layer as ImageLayer,
  PlatformManifest,
  Registry,
  RegistryList,
  RegistryRequest,
  TagPage,
  TagRow,
  UsageRow,
  WorkloadImage,
  WorkloadImages,
} from '../api/generated';

const enc = encodeURIComponent;

export const REGISTRIES_API = {
  registries: 'api/v1/registries',
  registry: (name: string) => `api/v1/registries/${enc(name)}`,
  repositories: (name: string) => `api/v1/registries/${enc(name)}/repositories`,
  tags: (name: string, repository: string, filter: string, offset: number, limit: number) =>
    `api/v1/registries/${enc(name)}/tags?repository=${enc(repository)}&filter=${enc(filter)}&offset=${offset}&limit=${limit}`,
  image: (name: string, repository: string, reference: string, platform?: string) =>
    `api/v1/registries/${enc(name)}/image?repository=${enc(repository)}&reference=${enc(reference)}${platform ? `&platform=${enc(platform)}` : ''}`,
  usage: (name: string, repository: string, tag: string) =>
    `api/v1/registries/${enc(name)}/usage?repository=${enc(repository)}&tag=${enc(tag)}`,
  workload: (namespace: string, kind: string, name: string) =>
    `api/v1/registries/_workload?namespace=${enc(namespace)}&kind=${enc(kind)}&name=${enc(name)}`,
  deploy: 'api/v1/registries/_deploy',
};

export const REGISTRIES_URL = {
  list: '/registries',
  registry: (name: string) => `/registries/${enc(name)}`,
  tags: (name: string, repository: string) => `/registries/${enc(name)}/tags?repository=${enc(repository)}`,
  image: (name: string, repository: string, reference: string) =>
    `/registries/${enc(name)}/image?repository=${enc(repository)}&reference=${enc(reference)}`,
  deploy: (name: string, image: string) => `/registries/${enc(name)}/deploy?image=${enc(image)}`,
};

/** Bytes as a person reads a size: `3.4 KiB`, `12.0 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** A digest shortened for a table (`sha256:0123456789ab`). */
export function shortDigest(digest: string | null | undefined): string {
  if (!digest) return '';
  return digest.length > 19 ? digest.slice(0, 19) : digest;
}
