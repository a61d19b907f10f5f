/**
 * The Redis side of clustered mode: one connection helper over node-redis (`redis` 5, Redis's official client)
 * and the Lua scripts that make each shared change atomic. Every reply is validated here into a typed value (a
 * reply of the wrong shape is an error, never a guess).
 */
import { createHash } from 'node:crypto';
import { createClient } from 'redis';
import { redactUrl } from '../../core/util/url';
import { errorText } from '../../core/util/errors';

/** Raw replies (RESP2) as node-redis's sendCommand returns them. */
export type Reply = string | number | null | Buffer | Reply[];

/** The keys one cluster uses; `{…}` is a hash tag so that a Redis Cluster keeps them in one slot (scripts touch several). */
export function clusterKeys(prefix: string) {
  const p = `${prefix}:{bridge}`;
  return {
    seq: `${p}:seq`,
    epoch: `${p}:epoch`,
    events: `${p}:events`,
    alerts: `${p}:alerts`,
    meta: `${p}:meta`,
    /** Where the current epoch's seed came from (JSON SeedOrigin): the replicas apply again what it may lack. */
    origin: `${p}:origin`,
    leader: `${p}:leader`,
    batch: (id: string) => `${p}:batch:${id}`,
    webhook: (hash: string) => `${p}:webhook:${hash}`,
  };
}
export type ClusterKeys = ReturnType<typeof clusterKeys>;

/**
 * Commit: appends a batch of events (seq as the stream entry id `<seq>-0`, so one seq space for every replica), the
 * changed alerts and the on-call/deploys, and moves `seq` — only if `seq` is still what the writer built on
 * (compare-and-set) and the epoch is the writer's. A batch id makes a retry after a lost reply harmless.
 * KEYS: seq epoch events alerts meta batch. ARGV: expectedSeq epoch maxlen nEvents nSet nDel meta(''=unchanged) batchTtlMs,
 * then nEvents × (seq frame), nSet × (id json), nDel × id.
 * Reply: {'ok', seq} | {'dup', seq} | {'conflict', seq} | {'lost', epoch or ''}.
 */
export const COMMIT_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
local ep = redis.call('GET', KEYS[2])
if redis.call('EXISTS', KEYS[6]) == 1 then return {'dup', cur or ''} end
if (not cur) or ep ~= ARGV[2] then return {'lost', ep or ''} end
if cur ~= ARGV[1] then return {'conflict', cur} end
local ne, ns, nd = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local i = 9
local last = cur
for k = 1, ne do
  redis.call('XADD', KEYS[3], 'MAXLEN', ARGV[3], ARGV[i] .. '-0', 'f', ARGV[i + 1])
  last = ARGV[i]
  i = i + 2
end
for k = 1, ns do
  redis.call('HSET', KEYS[4], ARGV[i], ARGV[i + 1])
  i = i + 2
end
for k = 1, nd do
  redis.call('HDEL', KEYS[4], ARGV[i])
  i = i + 1
end
if ARGV[7] ~= '' then redis.call('SET', KEYS[5], ARGV[7]) end
redis.call('SET', KEYS[1], last)
redis.call('SET', KEYS[6], '1', 'PX', ARGV[8])
return {'ok', last}
`;

/**
 * Seed: creates the shared state (a new epoch) when there is none — first start, or Redis lost its data.
 * KEYS: seq epoch events alerts meta origin. ARGV: seq epoch meta origin nSet, nSet × (id json). Reply: 1 seeded, 0 already there.
 */
export const SEED_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[3], KEYS[4])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SET', KEYS[5], ARGV[3])
redis.call('SET', KEYS[6], ARGV[4])
local n = tonumber(ARGV[5])
local i = 6
for k = 1, n do
  redis.call('HSET', KEYS[4], ARGV[i], ARGV[i + 1])
  i = i + 2
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
`;

/** Load: the whole shared state at one seq. KEYS: seq epoch alerts meta origin. Reply: {seq|false, epoch|false, meta|false, {id, json, …}, origin|false}. */
export const LOAD_SCRIPT = `
return {redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2]), redis.call('GET', KEYS[4]), redis.call('HGETALL', KEYS[3]), redis.call('GET', KEYS[5])}
`;

/** Lease: take it if free. KEYS: lease. ARGV: id ms. Reply: {1|0, holder}. */
export const ACQUIRE_SCRIPT = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1, ARGV[1]} end
return {0, redis.call('GET', KEYS[1]) or ''}
`;

/** Lease: extend it only while we hold it (compare-and-set). KEYS: lease. ARGV: id ms. Reply: {1|0, holder}. */
export const RENEW_SCRIPT = `
local h = redis.call('GET', KEYS[1])
if h == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return {1, h} end
return {0, h or ''}
`;

/** Lease: give it up only if it is ours. KEYS: lease. ARGV: id. Reply: 1 released, 0 not ours. */
export const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** Thrown when Redis answers something this code does not expect (a different server, a corrupted key). */
export class RedisReplyError extends Error {}

export function str(r: Reply, what: string): string {
  if (typeof r === 'string') return r;
  if (Buffer.isBuffer(r)) return r.toString('utf8');
  if (typeof r === 'number') return String(r);
  throw new RedisReplyError(`${what}: expected a string from Redis, got ${r === null ? 'nil' : typeof r}`);
}

export function optStr(r: Reply, what: string): string | undefined {
  return r === null ? undefined : str(r, what);
}

export function arr(r: Reply, what: string): Reply[] {
  if (Array.isArray(r)) return r;
  throw new RedisReplyError(`${what}: expected an array from Redis, got ${r === null ? 'nil' : typeof r}`);
}

export function int(r: Reply, what: string): number {
  const n = typeof r === 'number' ? r : Number(str(r, what));
  if (!Number.isSafeInteger(n)) throw new RedisReplyError(`${what}: expected an integer from Redis, got ${JSON.stringify(r)}`);
  return n;
}

/** A seq from a stream entry id `<seq>-0`. */
export function seqOfId(id: string): number {
  const m = /^(\d+)-0$/.exec(id);
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(n)) throw new RedisReplyError(`stream entry id "${id.slice(0, 40)}" is not a bridge seq`);
  return n;
}

/** Stream entries (XRANGE / XREAD shape: [[id, [field, value, …]], …]) as {seq, frame}. */
export function parseEntries(r: Reply, what: string): Array<{ seq: number; frame: string }> {
  if (r === null) return [];
  return arr(r, what).map((e) => {
    const [id, fields] = arr(e, what);
    const f = arr(fields ?? null, what);
    const i = f.findIndex((x, k) => k % 2 === 0 && str(x, what) === 'f');
    if (i < 0) throw new RedisReplyError(`${what}: stream entry without a frame`);
    return { seq: seqOfId(str(id ?? null, what)), frame: str(f[i + 1] ?? null, what) };
  });
}

export type RedisClient = ReturnType<typeof createClient>;

/** Why a Redis URL is refused (undefined: fine). Only redis:// and rediss:// (TLS). */
export function redisUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'is not a URL (expected redis://[user:password@]host:port[/db] or rediss:// for TLS)';
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') return `must start with redis:// or rediss:// (TLS), got ${u.protocol}//`;
  if (!u.hostname) return 'has no host';
  return undefined;
}

/** A client that fails commands at once while disconnected (no unbounded offline queue) and reconnects with a capped backoff. */
export function makeClient(url: string, name: string, onError: (text: string) => void): RedisClient {
  const c = createClient({
    url,
    name,
    disableOfflineQueue: true,
    pingInterval: 5000,
    socket: {
      connectTimeout: 5000,
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** Math.min(retries, 5), 2000),
    },
  });
  // Without a listener node-redis would throw; the text never has the password (errors name host:port).
  c.on('error', (e: unknown) => onError(errorText(e).replace(url, redactUrl(url))));
  return c;
}

/** One command, its raw reply (validated by the caller with str/int/arr). */
export async function send(c: RedisClient, args: readonly string[]): Promise<Reply> {
  return (await c.sendCommand([...args])) as unknown as Reply;
}

/** Runs a script by its SHA, loading it again when Redis forgot it (a restart empties the script cache). */
export class Scripts {
  private readonly _sha = new Map<string, string>();

  async run(c: RedisClient, script: string, keys: readonly string[], args: readonly (string | number)[]): Promise<Reply> {
    let sha = this._sha.get(script);
    if (!sha) {
      sha = createHash('sha1').update(script).digest('hex');
      this._sha.set(script, sha);
    }
    const rest = [String(keys.length), ...keys, ...args.map(String)];
    try {
      return await send(c, ['EVALSHA', sha, ...rest]);
    } catch (e) {
      if (!/NOSCRIPT/.test(errorText(e))) throw e;
      return await send(c, ['EVAL', script, ...rest]);
    }
  }
}
