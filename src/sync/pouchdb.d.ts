// pouchdb-browser ships no types; the replicator declares the few calls it makes.
declare module 'pouchdb-browser' {
  const PouchDB: unknown;
  export default PouchDB;
}
