// IdGenerator: unique, time-ordered ids for incidents and services.
//
// An id is 26 characters of Crockford base32 (the ULID layout): 48 bits of
// milliseconds since the Unix epoch, then 80 random bits. Sorting ids sorts
// by creation time, which keeps index inserts at the end of the B-tree and
// makes "newest first" paging a plain id comparison.
//
// Within one generator ids are strictly increasing (ULID's monotonic mode):
// an id made in the same millisecond as the previous one is the previous
// one plus one. Ids of different processes (replicas) are ordered by
// millisecond only.
//
// Thread safety: NewId() is safe to call concurrently.
#ifndef ALERTGATE_SERVER_CORE_ID_GENERATOR_H_
#define ALERTGATE_SERVER_CORE_ID_GENERATOR_H_

#include <string>

#include "absl/random/random.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "server/common/clock.h"

namespace alertgate {

class IdGenerator {
 public:
  // REQUIRES: `clock` outlives the generator.
  explicit IdGenerator(const Clock* clock) : clock_(clock) {}

  std::string NewId();

 private:
  const Clock* clock_;
  absl::Mutex mu_;
  absl::BitGen random_ ABSL_GUARDED_BY(mu_);
  uint64_t last_millis_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t last_high_ ABSL_GUARDED_BY(mu_) = 0;  // The top 16 random bits.
  uint64_t last_low_ ABSL_GUARDED_BY(mu_) = 0;   // The low 64 random bits.
};

// True when `id` has the shape NewId() produces.
bool IsWellFormedId(absl::string_view id);

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_CORE_ID_GENERATOR_H_
