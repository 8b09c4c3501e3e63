/*
 * The C ABI between alertgate and source adapter plugins.
 *
 * A plugin is a shared object that exports one function,
 *
 *     const ag_adapter_v1* alertgate_adapter_v1(void);
 *
 * returning a description of itself that lives as long as the process. The
 * host checks every field of it (magic, ABI version, struct size, names,
 * functions) before it calls anything, and refuses a plugin that does not
 * match, naming the file and the field.
 *
 * Only C types cross this boundary: fixed-width integers, NUL-terminated
 * UTF-8 strings, and (pointer, length) byte ranges. No C++ exception may
 * leave a plugin function (the C++ SDK in adapter_sdk.h catches them).
 *
 * Ownership is stated on every type: "host-owned" memory is valid only for
 * the duration of the call it is passed to; "plugin-owned" memory stays valid
 * until the host passes the same ag_conversion to release().
 *
 * Thread safety: the host calls convert() from many threads at once; a
 * plugin must not keep mutable global state without its own locking.
 */
#ifndef ALERTGATE_ADAPTER_ABI_H_
#define ALERTGATE_ADAPTER_ABI_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* "AGAD" as a little-endian integer: the first field of every description. */
#define AG_ADAPTER_MAGIC 0x44414741u
/* Raised when a field changes meaning or moves. Appending fields at the end
 * (using a reserved slot) keeps the version and grows struct_size. */
#define AG_ADAPTER_ABI_VERSION 1u
/* The exported entry function's name. */
#define AG_ADAPTER_ENTRY_SYMBOL "alertgate_adapter_v1"

/* A byte range. Ownership: that of the struct that contains it. */
typedef struct ag_bytes {
  const char* data; /* May be NULL when size is 0. Not NUL-terminated. */
  uint64_t size;
} ag_bytes;

/* One HTTP header as received. Host-owned. */
typedef struct ag_header {
  ag_bytes name; /* As sent; compare case-insensitively. */
  ag_bytes value;
} ag_header;

/* The raw delivery. Host-owned; valid during convert() only. */
typedef struct ag_delivery {
  uint32_t struct_size; /* sizeof(ag_delivery) as the host was built. */
  uint32_t reserved0;
  const ag_header* headers;
  uint64_t header_count;
  ag_bytes body; /* The exact bytes received. */
} ag_delivery;

/* Actions and severities use the numbers of alertgate.v1.Action and
 * alertgate.v1.Severity. */
enum {
  AG_ACTION_TRIGGER = 1,
  AG_ACTION_ACKNOWLEDGE = 2,
  AG_ACTION_RESOLVE = 3
};
enum {
  AG_SEVERITY_UNSPECIFIED = 0,
  AG_SEVERITY_INFO = 1,
  AG_SEVERITY_WARNING = 2,
  AG_SEVERITY_ERROR = 3,
  AG_SEVERITY_CRITICAL = 4
};

/* A key/value pair, e.g. a tag. Plugin-owned. */
typedef struct ag_pair {
  ag_bytes key;
  ag_bytes value;
} ag_pair;

/* One normalized alert. Plugin-owned. */
typedef struct ag_alert {
  uint32_t action;   /* AG_ACTION_* */
  uint32_t severity; /* AG_SEVERITY_* */
  ag_bytes dedup_key;
  ag_bytes summary;
  ag_bytes description;
  const ag_pair* tags;
  uint64_t tag_count;
  const ag_pair* links; /* key: URL, value: label. */
  uint64_t link_count;
  int64_t occurred_at_unix_micros; /* 0: unknown (the host uses arrival). */
} ag_alert;

/* What convert() returns. */
enum {
  /* Converted: `alerts` holds zero or more alerts. Zero alerts means the
   * event is accepted and ignored, and `message` says why. */
  AG_CONVERT_OK = 0,
  /* The body is not what this source sends (malformed JSON, wrong types):
   * the sender gets HTTP 400 with `message`. */
  AG_CONVERT_BAD_PAYLOAD = 1,
  /* The event header is missing or names no event of this source: HTTP
   * 400 with `message`. */
  AG_CONVERT_UNKNOWN_EVENT = 2,
  /* The plugin failed: HTTP 500 with `message`. */
  AG_CONVERT_INTERNAL = 3
};

/* The result of one convert() call. The host zeroes it and sets
 * struct_size; the plugin fills the rest. Plugin-owned contents, released by
 * release(). */
typedef struct ag_conversion {
  uint32_t struct_size; /* Set by the host: sizeof(ag_conversion). */
  uint32_t reserved0;
  ag_bytes event;   /* The event's name, for logs and metrics. */
  ag_bytes message; /* Error text, or why nothing was alerted. */
  const ag_alert* alerts;
  uint64_t alert_count;
  void* plugin_state; /* For the plugin's release(); opaque to the host. */
  /* Fields below were added within version 1: a plugin writes them only
   * when struct_size (the host's) covers them, and a host reads them only
   * when its own struct has them. */
  /* The delivery id read from the body, for plugins that declare
   * delivery_id_field; empty otherwise. */
  ag_bytes delivery_id;
} ag_conversion;

/* How deliveries of this source are signed. The host checks the scheme
 * over the raw body, with the webhook secret of the (service, source),
 * before convert() is called, whenever that secret is set; plugins never see
 * secrets or do crypto. Each scheme reads the header named in
 * signature_header. */
enum {
  AG_SIGNATURE_NONE = 0,
  /* Header value "sha256=<hex HMAC-SHA256(secret, body)>", hex in either
   * case: Bitbucket's X-Hub-Signature, GitHub's X-Hub-Signature-256. */
  AG_SIGNATURE_HMAC_SHA256_PREFIXED_HEX = 1,
  /* Header value equal to the secret itself, compared in constant time:
   * GitLab's X-Gitlab-Token. Protects nothing against a reader of the
   * traffic; use it only over TLS. */
  AG_SIGNATURE_SHARED_TOKEN = 2,
  /* Header value "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." +
   * body)>", several v1= allowed (any may match), other keys ignored; the
   * timestamp must be within 300 s of the host's clock, so a captured
   * delivery cannot be replayed later (Stripe's scheme). */
  AG_SIGNATURE_HMAC_SHA256_TIMESTAMPED = 3
};

/* The plugin's description of itself. Plugin-owned, static. */
typedef struct ag_adapter_v1 {
  uint32_t magic;       /* AG_ADAPTER_MAGIC */
  uint32_t abi_version; /* AG_ADAPTER_ABI_VERSION */
  uint32_t struct_size; /* sizeof(ag_adapter_v1) as the plugin was built. */
  uint32_t signature_scheme; /* AG_SIGNATURE_* */
  /* The alert-source name the plugin registers, e.g. "bitbucket":
   * 1 to 63 of [a-z0-9_-]. It is the <source> of webhook URLs. */
  const char* source_name;
  const char* plugin_version; /* Free text, e.g. "1.2.0". */
  /* Header carrying the signature (e.g. "X-Hub-Signature"); NULL with
   * AG_SIGNATURE_NONE. */
  const char* signature_header;
  /* Comma-separated header names carrying the delivery id, first present
   * wins, e.g. "X-Request-UUID,X-Request-Id". The host turns it into the
   * alerts' idempotency keys, so a redelivery has one effect. NULL with a
   * NULL delivery_id_field: the sender gives no delivery id, and every
   * delivery is applied (the answer says "idempotent": false). */
  const char* delivery_id_headers;
  /* Comma-separated header names that carry the event name, e.g.
   * "X-Event-Key"; for logs only. NULL: none. */
  const char* event_headers;
  /* Comma-separated values of the first event header that may arrive
   * unsigned although the service has a secret, because the sender never
   * signs them (Bitbucket's "diagnostics:ping"). Such deliveries must only
   * produce test alerts. NULL: none. */
  const char* unsigned_events;
  /* Converts one delivery. Returns an AG_CONVERT_* code and fills `out`.
   * `delivery` is host-owned. Must not throw. After it returns, the host
   * calls release(out) exactly once, whatever the code. */
  int32_t (*convert)(const ag_delivery* delivery, ag_conversion* out);
  /* Frees what convert() put in `out`. Must not throw. */
  void (*release)(ag_conversion* out);
  /* Where in the body the delivery id is, for the people reading the
   * plugin's description (e.g. "id" or "alerts[].fingerprint"); convert()
   * returns its value in ag_conversion.delivery_id. Used when no header of
   * delivery_id_headers is present. NULL: not in the body. (Formerly the
   * first reserved slot.) */
  const char* delivery_id_field;
  /* Comma-separated names of the events convert() reports in
   * ag_conversion.event, e.g. "repo:push,pullrequest:created". The host's
   * metrics label deliveries with these names only; any other event is
   * counted as "other", so a sender cannot create new metric series. NULL:
   * every event counts as "other". (Formerly the second reserved slot.) */
  const char* events;
  /* The source's name for people, e.g. "Bitbucket". NULL: source_name.
   * (Formerly the third reserved slot.) */
  const char* display_name;
  /* How a user connects the sender to alertgate, one step per line
   * ('\n'), plain text, at most 4096 bytes; "{webhook_url}" stands for the
   * service's webhook URL. The console and `alertctl sources list` show
   * them. NULL: none. (Formerly the fourth reserved slot.) */
  const char* setup_steps;
  /* Spare slots so the struct can grow within version 1. Must be NULL. */
  void* reserved[4];
} ag_adapter_v1;

/* The type of the exported entry function. */
typedef const ag_adapter_v1* (*ag_adapter_entry_fn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ALERTGATE_ADAPTER_ABI_H_ */
