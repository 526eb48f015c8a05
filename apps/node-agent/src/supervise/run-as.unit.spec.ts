import { getentAccountLookup, parsePasswdEntry, resolveRunAs, RunAsError } from './run-as';

describe('parsePasswdEntry', () => {
  it('reads name, uid, gid and home', () => {
    expect(
      parsePasswdEntry('prometheus:x:108:115:Prometheus daemon,,,:/var/lib/prometheus:/usr/sbin/nologin\n'),
    ).toEqual({
      name: 'prometheus',
      uid: 108,
      gid: 115,
      home: '/var/lib/prometheus',
    });
  });

  it('refuses anything else', () => {
    expect(() => parsePasswdEntry('prometheus:x:abc:115::/:/bin/sh')).toThrow(RunAsError);
    expect(() => parsePasswdEntry('')).toThrow(RunAsError);
  });
});

describe('resolveRunAs', () => {
  const lookup = async () => ({ name: 'nobody', uid: 65534, gid: 65534, home: '/nonexistent' });

  it('lets root switch to any user, and anyone run as themselves', async () => {
    await expect(resolveRunAs('nobody', lookup, 0)).resolves.toMatchObject({ uid: 65534 });
    await expect(resolveRunAs('nobody', lookup, 65534)).resolves.toMatchObject({ uid: 65534 });
  });

  it('refuses a switch to another user when the agent is not root', async () => {
    await expect(resolveRunAs('nobody', lookup, 1000)).rejects.toThrow('the agent runs as uid 1000, not root');
  });
});

describe('getentAccountLookup', () => {
  it('finds root through the name service, by name and by uid', async () => {
    await expect(getentAccountLookup('root')).resolves.toMatchObject({ name: 'root', uid: 0, gid: 0 });
    await expect(getentAccountLookup('0')).resolves.toMatchObject({ name: 'root' });
  });

  it('says when there is no such user', async () => {
    await expect(getentAccountLookup('no-such-user-vigil')).rejects.toThrow('no such user "no-such-user-vigil"');
  });
});
