/** Small integer ids for GPU objects, which have no identity string, to build cache keys. */
const ids = new WeakMap<object, number>();
let nextId = 1;

export function objectId(o: object): number {
  let id = ids.get(o);
  if (id === undefined) ids.set(o, (id = nextId++));
  return id;
}
