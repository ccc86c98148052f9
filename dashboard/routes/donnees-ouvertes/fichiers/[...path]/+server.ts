// GET of one published open-data file (snapshot/name), without sign-in; see $lib/server/open-data.ts for what is served.
import type { RequestHandler } from './$types';
import { openDataFile } from '$lib/server/open-data.ts';

export const GET: RequestHandler = ({ params }) => openDataFile(params.path);
