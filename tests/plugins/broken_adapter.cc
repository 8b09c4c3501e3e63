// Deliberately broken adapter plugins, one per refusal the loader must make.
// Built several times with BROKEN set to one of the kinds below.
#include <cstring>
#include <stdexcept>

#include "alertgate/adapter_abi.h"
#include "alertgate/adapter_sdk.h"

#define BROKEN_NO_ENTRY 1
#define BROKEN_BAD_MAGIC 2
#define BROKEN_ABI_VERSION 3
#define BROKEN_SHORT_STRUCT 4
#define BROKEN_EMPTY_NAME 5
#define BROKEN_NO_CONVERT 6
#define BROKEN_THROWS 7  // Valid, but its conversion throws.
#define BROKEN_NULL_DESCRIPTION 8
// Valid, but built without the SDK's version script and exporting a helper
// besides its entry function: alertgate-plugin-check must report it.
#define BROKEN_LEAKS_SYMBOLS 9

namespace {

int32_t ConvertNothing(const ag_delivery*, ag_conversion* out) {
  out->alert_count = 0;
  return AG_CONVERT_OK;
}
void ReleaseNothing(ag_conversion*) {}

[[maybe_unused]] ag_adapter_v1 Valid(const char* name) {
  ag_adapter_v1 d;
  std::memset(&d, 0, sizeof(d));
  d.magic = AG_ADAPTER_MAGIC;
  d.abi_version = AG_ADAPTER_ABI_VERSION;
  d.struct_size = sizeof(ag_adapter_v1);
  d.source_name = name;
  d.plugin_version = "0.0.1";
  d.convert = &ConvertNothing;
  d.release = &ReleaseNothing;
  return d;
}

[[maybe_unused]] alertgate::sdk::Conversion Throw(
    const alertgate::sdk::Delivery&) {
  throw std::runtime_error("boom");
}

}  // namespace

#if BROKEN == BROKEN_THROWS
ALERTGATE_ADAPTER(Throw, [] {
  alertgate::sdk::AdapterInfo info;
  info.source_name = "throws";
  info.plugin_version = "0.0.1";
  return info;
}())
#elif BROKEN == BROKEN_NULL_DESCRIPTION
extern "C" __attribute__((visibility("default"))) const ag_adapter_v1*
alertgate_adapter_v1(void) {
  return nullptr;
}
#elif BROKEN != BROKEN_NO_ENTRY
extern "C" __attribute__((visibility("default"))) const ag_adapter_v1*
alertgate_adapter_v1(void) {
  static ag_adapter_v1 d = [] {
    ag_adapter_v1 d = Valid("broken");
#if BROKEN == BROKEN_BAD_MAGIC
    d.magic = 0x12345678;
#elif BROKEN == BROKEN_ABI_VERSION
    d.abi_version = 99;
#elif BROKEN == BROKEN_SHORT_STRUCT
    d.struct_size = 16;
#elif BROKEN == BROKEN_EMPTY_NAME
    d.source_name = "";
#elif BROKEN == BROKEN_NO_CONVERT
    d.convert = nullptr;
#endif
    return d;
  }();
  return &d;
}
#if BROKEN == BROKEN_LEAKS_SYMBOLS
extern "C" __attribute__((visibility("default"))) int leaked_helper(void) {
  return 1;
}
#endif
#else
// No entry function at all: a shared object that is not an adapter.
extern "C" __attribute__((visibility("default"))) int not_an_adapter(void) {
  return 0;
}
#endif
