import type { HealthProbe } from './health-probe';

/** Healthy when a GET of `url` answers `expectStatus` (redirects are not followed). */
export function httpProbe(url: string, expectStatus: number): HealthProbe {
  return async (signal) => {
    const response = await fetch(url, { signal, redirect: 'manual' });
    await response.body?.cancel();
    if (response.status !== expectStatus)
      throw new Error(`GET ${url} answered ${response.status}, expected ${expectStatus}`);
  };
}
