// A real OpenID Connect issuer for the login tests: the `oidc-provider` package, in this process,
// on 127.0.0.1. Its development sign-in form accepts any login name and password; the account's
// e-mail is `<login>@example.com` (verified) and its groups come from `groupsOf(login)`.
import Provider from 'oidc-provider';
import { freePort } from './harness.mjs';

/**
 * Starts the issuer. `redirectUri` is the console's callback; `idTokenSeconds` how long an ID
 * token lives (short, so a test sees the console refresh it). Returns its URL, the client's
 * credentials, counts of the grants it served, and stop().
 */
export async function startIssuer({ redirectUri, groupsOf = () => [], idTokenSeconds = 3600 }) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const client = { id: 'wheelhouse', secret: 'wheelhouse-test-secret' };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: client.id,
        client_secret: client.secret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    async findAccount(_ctx, id) {
      return {
        accountId: id,
        async claims() {
          return { sub: id, email: `${id}@example.com`, email_verified: true, groups: groupsOf(id) };
        },
      };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: [], groups: ['groups'] },
    scopes: ['openid', 'email', 'profile', 'groups', 'offline_access'],
    // A kube-apiserver reads e-mail and groups from the ID token only.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    ttl: { IdToken: idTokenSeconds, AccessToken: idTokenSeconds, RefreshToken: 3600, Session: 3600, Grant: 3600 },
    features: { devInteractions: { enabled: true } },
  });
  const grants = { authorization_code: 0, refresh_token: 0 };
  provider.on('grant.success', (ctx) => {
    const type = ctx.oidc.params?.grant_type;
    if (type in grants) grants[type] += 1;
  });
  // The test is the only user; its warnings about development keys and interactions are expected.
  const server = provider.listen(port, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    issuer,
    client,
    grants,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}
