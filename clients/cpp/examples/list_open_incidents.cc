// A C++ tool built against the installed alertgate client package: prints
// the open incidents of every service.
//
//   ALERTGATE_TOKEN=<token of role read> list_open_incidents [HOST:PORT]
#include <cstdio>
#include <cstdlib>

#include "alertgate/alertgate_client.h"

int main(int argc, char** argv) {
  alertgate::client::ConnectOptions options;
  if (argc > 1) options.address = argv[1];
  if (const char* token = getenv("ALERTGATE_TOKEN")) options.token = token;
  auto client = alertgate::client::AlertgateClient::Connect(options);
  if (!client.ok()) {
    fprintf(stderr, "%s\n", client.status().ToString().c_str());
    return 1;
  }
  alertgate::v1::ListIncidentsRequest request;
  request.add_states(alertgate::v1::INCIDENT_STATE_TRIGGERED);
  request.add_states(alertgate::v1::INCIDENT_STATE_ACKNOWLEDGED);
  request.add_states(alertgate::v1::INCIDENT_STATE_SUPPRESSED);
  auto page = (*client)->ListIncidents(request);
  if (!page.ok()) {
    fprintf(stderr, "%s\n", page.status().ToString().c_str());
    return 1;
  }
  for (const auto& incident : page->incidents()) {
    printf("%s %s %s\n", incident.id().c_str(), incident.dedup_key().c_str(),
           incident.summary().c_str());
  }
  return 0;
}
