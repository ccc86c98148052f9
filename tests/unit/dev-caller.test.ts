// The development caller switch (`?as=role:ORG`) applies only on the development server, for the demo (sign-in not
// required), with nobody signed in (access/request-caller.ts). Everywhere else it is ignored.
import { describe, expect, it } from 'vitest';
import { devCaller } from '../../access/request-caller.ts';
import { defaultOrg } from '../../access/caller.ts';

const open = { dev: true, required: false, signedIn: false };

describe('development caller switch', () => {
  it('switches the demo caller in development when sign-in is not required', () => {
    expect(devCaller('executive', open)).toEqual({ role: 'executive', orgs: [], id: 'dev-executive' });
    expect(devCaller('service_owner:MIN,AG1', open)).toEqual({ role: 'service_owner', orgs: ['MIN', 'AG1'], id: 'dev-service_owner', home: 'MIN' });
  });

  it('never applies in production, when sign-in is required, or over a signed-in session', () => {
    expect(devCaller('admin', { ...open, dev: false })).toBeNull();
    expect(devCaller('admin', { ...open, required: true })).toBeNull();
    expect(devCaller('admin', { ...open, signedIn: true })).toBeNull();
  });

  it('refuses malformed switches: unknown role, scoped role without organization, odd codes', () => {
    expect(devCaller('root', open)).toBeNull();
    expect(devCaller('service_owner', open)).toBeNull();
    expect(devCaller("analyst:x' OR 1=1", open)).toBeNull();
    expect(devCaller('', open)).toBeNull();
    expect(devCaller(null, open)).toBeNull();
  });

  it('opens a service owner on their own organization, others government-wide', () => {
    expect(defaultOrg({ role: 'service_owner', orgs: ['AG1', 'MIN'], id: 'o', home: 'MIN' })).toBe('MIN');
    expect(defaultOrg({ role: 'analyst', orgs: ['AG1'], id: 'a' })).toBeNull();
    expect(defaultOrg({ role: 'executive', orgs: [], id: 'e' })).toBeNull();
  });
});
