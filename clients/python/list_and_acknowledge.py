#!/usr/bin/python3
"""Lists a service's open incidents and acknowledges one, over alertgate's gRPC API.

Runs with Debian's python3-grpcio and python3-protobuf and the stubs that the
build generates from proto/ (build/clients/python with CMake):

    export ALERTGATE_TOKEN=$(cat data/admin-token)   # or a token of role operate
    PYTHONPATH=build/clients/python clients/python/list_and_acknowledge.py \
        --address 127.0.0.1:50051 [--service checkout] [--acknowledge ID | --acknowledge-oldest]

Connection flags (alertgate_channel.py): --token (default $ALERTGATE_TOKEN),
--tls-ca, --tls-cert, --tls-key.

Exit status: 0 done, 2 incident or service not found, 3 not allowed in the
incident's state, 4 server unreachable, 8 no valid token or its role does not
allow it, 1 other errors.
"""

import argparse
import getpass
import sys

import grpc

import alertgate_channel

from alertgate.v1 import incident_pb2
from alertgate.v1 import incident_service_pb2
from alertgate.v1 import incident_service_pb2_grpc
from alertgate.v1 import service_directory_pb2
from alertgate.v1 import service_directory_pb2_grpc

EXIT_CODES = {
    grpc.StatusCode.NOT_FOUND: 2,
    grpc.StatusCode.FAILED_PRECONDITION: 3,
    grpc.StatusCode.UNAVAILABLE: 4,
    grpc.StatusCode.DEADLINE_EXCEEDED: 4,
    grpc.StatusCode.UNAUTHENTICATED: 8,
    grpc.StatusCode.PERMISSION_DENIED: 8,
}
# Open: every state but RESOLVED (incident.proto).
OPEN_STATES = [incident_pb2.INCIDENT_STATE_TRIGGERED, incident_pb2.INCIDENT_STATE_ACKNOWLEDGED,
               incident_pb2.INCIDENT_STATE_SUPPRESSED]
TIMEOUT_SECONDS = 10


def open_incidents(incidents, service_id):
    """Every open incident of the service (all services if empty), oldest first."""
    request = incident_service_pb2.ListIncidentsRequest(
        service_id=service_id, states=OPEN_STATES, page_size=1000)
    found = []
    while True:
        page = incidents.ListIncidents(request, timeout=TIMEOUT_SECONDS)
        found.extend(page.incidents)
        if not page.next_page_token:
            break
        request.page_token = page.next_page_token
    return list(reversed(found))  # The API lists newest first.


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    alertgate_channel.add_arguments(parser)
    parser.add_argument("--service", default="", help="service name (default: all)")
    parser.add_argument("--actor", default=getpass.getuser())
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument("--acknowledge", metavar="ID", help="acknowledge this incident")
    choice.add_argument("--acknowledge-oldest", action="store_true",
                        help="acknowledge the oldest triggered incident")
    args = parser.parse_args()

    channel = alertgate_channel.connect_from(args)
    incidents = incident_service_pb2_grpc.IncidentServiceStub(channel)
    directory = service_directory_pb2_grpc.ServiceDirectoryStub(channel)
    try:
        service_id = ""
        if args.service:
            service = directory.GetService(
                service_directory_pb2.GetServiceRequest(name=args.service),
                timeout=TIMEOUT_SECONDS)
            service_id = service.id
        listed = open_incidents(incidents, service_id)
        for incident in listed:
            state = incident_pb2.IncidentState.Name(incident.state).replace("INCIDENT_STATE_", "")
            print(f"{incident.id}  {state:<12}  alerts={incident.alert_count:<4}  "
                  f"{incident.dedup_key}  {incident.summary}")
        target = args.acknowledge
        if args.acknowledge_oldest:
            triggered = [i for i in listed if i.state == incident_pb2.INCIDENT_STATE_TRIGGERED]
            if not triggered:
                print("nothing triggered to acknowledge")
                return 0
            target = triggered[0].id
        if target:
            response = incidents.AcknowledgeIncident(
                incident_service_pb2.AcknowledgeIncidentRequest(
                    id=target, actor=args.actor, note="acknowledged from Python"),
                timeout=TIMEOUT_SECONDS)
            print(f"acknowledged {response.incident.id}"
                  + ("" if response.changed else " (it already was)"))
    except grpc.RpcError as error:
        print(f"error: {error.code().name}: {error.details()}", file=sys.stderr)
        return EXIT_CODES.get(error.code(), 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
