// How an open-data folder is laid out, shared by the publisher and the dashboard that serves it: one folder per
// snapshot named by its Toronto day, `latest/` beside them, and the address the files are served at.
/** Where the dashboard serves the folder's files (French route; /open-data/files/ serves the same). */
export const FILES_PATH = '/donnees-ouvertes/fichiers/';
export const LATEST = 'latest';
/** Snapshot folders are named by their day; nothing else in the folder is a snapshot. */
export const SNAPSHOT_NAME = /^\d{4}-\d{2}-\d{2}$/;
