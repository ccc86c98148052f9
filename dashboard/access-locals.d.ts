// Request locals set by the auth part of hooks.server.ts (issue 6): who is asking, decided once per request.
import type { Caller } from '../access/caller.ts';

declare global {
  namespace App {
    interface Locals {
      caller: Caller;
      /** Signed-in account name; null for the open demo's visitor or the public. */
      username: string | null;
      /** The client's address: the socket's, or the one a trusted proxy forwarded (access/client-address.ts). */
      clientAddress: string;
    }
  }
}

export {};
