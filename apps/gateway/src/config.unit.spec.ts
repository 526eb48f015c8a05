import { GatewayEnv } from './config';

describe('gateway configuration', () => {
  it('turns CORS off and limits bodies to 1 MiB unless told otherwise', () => {
    const env = GatewayEnv.parse({});
    expect(env.VIGIL_CORS_ORIGINS).toEqual([]);
    expect(env.VIGIL_HTTP_BODY_LIMIT).toBe(1024 * 1024);
  });

  it('reads the CORS origins as a comma separated list of URLs', () => {
    expect(
      GatewayEnv.parse({ VIGIL_CORS_ORIGINS: 'https://a.example, https://b.example:8443' }).VIGIL_CORS_ORIGINS,
    ).toEqual(['https://a.example', 'https://b.example:8443']);
    expect(() => GatewayEnv.parse({ VIGIL_CORS_ORIGINS: 'not a url' })).toThrow();
  });
});
