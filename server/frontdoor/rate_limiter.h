// RateLimiter: a token bucket per key (the front door uses one per service),
// so one noisy service cannot crowd out the others.
//
// Thread safety: Allow() is safe to call concurrently.
#ifndef ALERTGATE_SERVER_FRONTDOOR_RATE_LIMITER_H_
#define ALERTGATE_SERVER_FRONTDOOR_RATE_LIMITER_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace alertgate {

class RateLimiter {
 public:
  // `per_second` tokens are added each second, up to `burst`.
  // REQUIRES: per_second > 0, burst >= 1.
  RateLimiter(double per_second, double burst)
      : per_second_(per_second), burst_(burst) {}

  // Takes a token for `key` at time `now`. When none is left, returns false
  // and sets `retry_after` to when the next one arrives.
  bool Allow(const std::string& key, absl::Time now,
             absl::Duration* retry_after) {
    absl::MutexLock lock(&mu_);
    Bucket& bucket = buckets_[key];
    if (bucket.updated == absl::InfinitePast()) {
      bucket = {burst_, now};
    }
    const double elapsed = absl::ToDoubleSeconds(now - bucket.updated);
    bucket.tokens = std::min(burst_, bucket.tokens + elapsed * per_second_);
    bucket.updated = now;
    if (bucket.tokens >= 1.0) {
      bucket.tokens -= 1.0;
      return true;
    }
    *retry_after = absl::Seconds((1.0 - bucket.tokens) / per_second_);
    return false;
  }

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time updated = absl::InfinitePast();
  };
  const double per_second_;
  const double burst_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_FRONTDOOR_RATE_LIMITER_H_
