//! The shared limiter: counters in Redis, each step one Lua script run atomically on
//! Redis's own clock (`TIME`), so instances with drifting clocks still agree. The script
//! is the arithmetic of `gcra`, written once more in Lua.

use std::time::Duration;

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{Counter, LimitError, Limiter, Verdict};

/// `KEYS[1]`: the set of limited counters (name → when the limit lifts, in ms); then the
/// counters. `ARGV`: the mode (`check` or `charge`), then each counter's name, interval
/// (ms) and count. `check` returns `{wait}`: how long until one more failure fits on every
/// counter (0: now). `charge` moves every counter one interval on and returns, for each,
/// how long until one more failure fits on it; a counter that is now limited goes into
/// the set, for instances that (re)learn the limits all at once.
const SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = 0
local waits = {}
for i = 2, #KEYS do
  local key = KEYS[i]
  local name = ARGV[3 * i - 4]
  local interval = tonumber(ARGV[3 * i - 3])
  local count = tonumber(ARGV[3 * i - 2])
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  if ARGV[1] == 'check' then
    local ahead = tat - now - interval * (count - 1)
    if ahead > wait then wait = ahead end
  else
    local charged = tat + interval
    redis.call('SET', key, charged, 'PX', charged - now)
    local ahead = charged - now - interval * (count - 1)
    if ahead > 0 then
      redis.call('ZADD', KEYS[1], now + ahead, name)
      waits[#waits + 1] = ahead
    else
      waits[#waits + 1] = 0
    end
  end
end
if ARGV[1] == 'check' then return {wait} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return waits
";

/// `KEYS[1]`: the set of limited counters. Returns `{name, ms left, …}` for every counter
/// limited now, on Redis's clock.
const LIMITED: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local found = redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf', 'WITHSCORES')
local out = {}
for i = 1, #found, 2 do
  out[#out + 1] = found[i]
  out[#out + 1] = tostring(tonumber(found[i + 1]) - now)
end
return out
";

pub struct RedisLimiter {
    conn: ConnectionManager,
    prefix: String,
    script: redis::Script,
    limited: redis::Script,
}

impl RedisLimiter {
    /// Connects lazily, like the revocation list, and shares its key namespace.
    pub fn connect(
        url: &str,
        prefix: &str,
        ca_file: Option<&std::path::Path>,
    ) -> Result<Self, LimitError> {
        let failed = |e: redis::RedisError| LimitError(e.to_string());
        let client =
            crate::redis_client::open(url, ca_file).map_err(|e| LimitError(e.to_string()))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let conn = ConnectionManager::new_lazy_with_config(client, config).map_err(failed)?;
        Ok(Self {
            conn,
            prefix: prefix.to_owned(),
            script: redis::Script::new(SCRIPT),
            limited: redis::Script::new(LIMITED),
        })
    }

    fn limited_key(&self) -> String {
        format!("{}limit-set", self.prefix)
    }

    async fn run(&self, mode: &str, counters: &[Counter]) -> Result<Vec<u64>, LimitError> {
        let mut invocation = self.script.prepare_invoke();
        invocation.key(self.limited_key()).arg(mode);
        for c in counters {
            invocation
                .key(format!("{}limit:{}", self.prefix, c.name))
                .arg(&c.name)
                .arg(c.limit.interval_ms())
                .arg(c.limit.count);
        }
        let mut conn = self.conn.clone();
        invocation
            .invoke_async::<Vec<u64>>(&mut conn)
            .await
            .map_err(|e| LimitError(e.to_string()))
    }

    /// Counts one failure on every counter, and says how long each is now limited for
    /// (zero: not limited).
    pub async fn charge_each(&self, counters: &[Counter]) -> Result<Vec<Duration>, LimitError> {
        let waits = self.run("charge", counters).await?;
        Ok(waits.into_iter().map(Duration::from_millis).collect())
    }

    /// Every counter limited now, and for how much longer.
    pub async fn limited_now(&self) -> Result<Vec<(String, Duration)>, LimitError> {
        let mut conn = self.conn.clone();
        let flat: Vec<String> = self
            .limited
            .key(self.limited_key())
            .invoke_async(&mut conn)
            .await
            .map_err(|e| LimitError(e.to_string()))?;
        Ok(flat
            .chunks_exact(2)
            .filter_map(|pair| {
                let ms: u64 = pair[1].parse().ok()?;
                Some((pair[0].clone(), Duration::from_millis(ms)))
            })
            .collect())
    }
}

#[async_trait]
impl Limiter for RedisLimiter {
    async fn check(&self, counters: &[Counter]) -> Result<Verdict, LimitError> {
        let wait = self
            .run("check", counters)
            .await?
            .first()
            .copied()
            .unwrap_or(0);
        Ok(if wait == 0 {
            Verdict::Allowed
        } else {
            Verdict::Limited(Duration::from_millis(wait))
        })
    }

    async fn charge(&self, counters: &[Counter]) -> Result<(), LimitError> {
        self.run("charge", counters).await.map(drop)
    }

    /// Only Redis knows, and asking it is the round trip this would save.
    fn none_limited(&self) -> bool {
        false
    }
}
