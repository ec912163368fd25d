import { expect, it } from 'vitest';
import { forEachBackend } from '../../test-support/for-each-backend.ts';
import { GroupMember } from './group-member.ts';

const text = (value: string) => new TextEncoder().encode(value);
const textOf = (data: Uint8Array | null | undefined) => (data == null ? undefined : new TextDecoder().decode(data));

forEachBackend('GroupMember', ({ backend, path }) => {
  it('members see each other join, change payload and leave', async () => {
    const b = backend();
    const alice = new GroupMember(await b.client(), path('group'), 'alice', { payload: text('a1'), scheduler: b.scheduler });
    const bob = new GroupMember(await b.client(), path('group'), 'bob', { payload: text('b1'), scheduler: b.scheduler });
    await b.drive(alice.start());
    await b.drive(bob.start());
    expect(alice.state).toBe('registered');
    await b.until(() => alice.members.size === 2, undefined, 'alice sees bob');
    expect([...bob.members.keys()]).toEqual(['alice', 'bob']);
    await b.drive(bob.setPayload(text('b2')));
    await b.until(() => textOf(alice.members.get('bob')) === 'b2', undefined, 'payload seen');
    await b.drive(bob.close());
    await b.until(() => alice.members.size === 1, undefined, 'bob gone');
    await b.drive(alice.close());
  });

  it('its node comes back if deleted while the session lives; a second member with the same id is refused; lost with the session', async () => {
    const b = backend();
    const client = await b.client();
    const member = new GroupMember(client, path('group'), 'solo', { payload: text('x'), scheduler: b.scheduler });
    await b.drive(member.start());
    const admin = await b.client();
    await b.drive(admin.delete(`${path('group')}/solo`));
    await b.eventually(() => admin.exists(`${path('group')}/solo`), (stat) => stat?.ephemeralOwner === client.sessionId);
    const twin = new GroupMember(admin, path('group'), 'solo', { scheduler: b.scheduler });
    await expect(b.drive(twin.start())).rejects.toThrow(/another session/);
    client.disconnect();
    expect(member.state).toBe('suspended');
    await b.until(() => member.state === 'registered', undefined, 'registered again');
    await b.drive(b.expireSession(client));
    await b.until(() => member.state === 'lost', undefined, 'lost');
    await b.eventually(() => admin.exists(`${path('group')}/solo`), (stat) => stat === null);
  });
});
