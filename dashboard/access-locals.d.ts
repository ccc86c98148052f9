// Request locals set by the auth part of hooks.server.ts (issue 6): who is asking, decided once per request.
import type { Caller } from '../access/caller.ts';

declare global {
  namespace App {
    interface Locals {
      caller: Caller;
      /** Signed-in account name; null for the demo executive or the public. */
      username: string | null;
    }
  }
}

export {};
