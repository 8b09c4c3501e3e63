#include "server/core/id_generator.h"

#include <cstdint>

namespace alertgate {
namespace {

constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr int kIdLength = 26;

}  // namespace

std::string IdGenerator::NewId() {
  uint64_t millis = static_cast<uint64_t>(absl::ToUnixMillis(clock_->Now()));
  uint64_t high, low;
  {
    absl::MutexLock lock(&mu_);
    if (millis > last_millis_) {
      last_millis_ = millis;
      last_high_ = absl::Uniform<uint64_t>(random_) & 0xFFFF;
      last_low_ = absl::Uniform<uint64_t>(random_);
    } else {
      // The same millisecond (or the clock stepped back): the previous id
      // plus one, so ids of one process are strictly increasing. Random
      // parts start below 2^80, so the carry never runs out in practice;
      // if it does, borrow the next millisecond.
      millis = last_millis_;
      if (++last_low_ == 0 && ++last_high_ > 0xFFFF) {
        millis = ++last_millis_;
        last_high_ = 0;
      }
    }
    high = last_high_;
    low = last_low_;
  }
  // 130 bits of output: 2 zero bits, 48 time bits, 80 random bits.
  std::string id(kIdLength, '0');
  // Time: characters 0..9 (50 bits, top 2 always zero).
  for (int i = 9; i >= 0; --i) {
    id[i] = kAlphabet[millis & 31];
    millis >>= 5;
  }
  // Randomness: characters 10..25, 5 bits each from 80 random bits.
  unsigned __int128 random =
      (static_cast<unsigned __int128>(high & 0xFFFF) << 64) | low;
  for (int i = kIdLength - 1; i >= 10; --i) {
    id[i] = kAlphabet[static_cast<int>(random & 31)];
    random >>= 5;
  }
  return id;
}

bool IsWellFormedId(absl::string_view id) {
  if (id.size() != kIdLength) return false;
  for (char c : id) {
    bool found = false;
    for (const char* a = kAlphabet; *a; ++a) found |= (*a == c);
    if (!found) return false;
  }
  return true;
}

}  // namespace alertgate
