#!/usr/bin/python3
"""Calls alertgate without its generated code: server reflection tells the API.

This is what any generic gRPC tool does: ask the server which services it
has, fetch their descriptors, build the messages at run time, and call.

    PYTHONPATH=build/clients/python clients/python/reflection_call.py \
        --address 127.0.0.1:50051 [--method alertgate.v1.IncidentService/ListIncidents] \
        [--request '{"page_size": 5}']

Prints the services, then the method's answer as JSON.
"""

import argparse
import json
import sys

import grpc

import alertgate_channel
from google.protobuf import descriptor_pb2
from google.protobuf import descriptor_pool
from google.protobuf import json_format
from google.protobuf import message_factory

import reflection_v1alpha_pb2 as reflection
import reflection_v1alpha_pb2_grpc as reflection_grpc


def ask(stub, **request):
    """One request on the reflection stream; returns its single answer."""
    responses = stub.ServerReflectionInfo(
        iter([reflection.ServerReflectionRequest(**request)]), timeout=10)
    return next(iter(responses))


def load_files(stub, symbol, pool):
    """Adds the file defining `symbol`, and the files it imports, to `pool`."""
    answer = ask(stub, file_containing_symbol=symbol)
    pending = [descriptor_pb2.FileDescriptorProto.FromString(raw)
               for raw in answer.file_descriptor_response.file_descriptor_proto]
    added = set()
    while pending:
        progress = False
        for proto in list(pending):
            if all(dep in added or _known(pool, dep) for dep in proto.dependency):
                pool.Add(proto)
                added.add(proto.name)
                pending.remove(proto)
                progress = True
        if not progress:  # An import the server did not send: ask for it.
            missing = next(dep for p in pending for dep in p.dependency
                           if dep not in added and not _known(pool, dep))
            raw = ask(stub, file_by_filename=missing).file_descriptor_response
            pending.extend(descriptor_pb2.FileDescriptorProto.FromString(r)
                           for r in raw.file_descriptor_proto)


def _known(pool, filename):
    try:
        pool.FindFileByName(filename)
        return True
    except KeyError:
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    alertgate_channel.add_arguments(parser)
    parser.add_argument("--method", default="alertgate.v1.IncidentService/ListIncidents")
    parser.add_argument("--request", default="{}", help="the request as JSON")
    args = parser.parse_args()

    channel = alertgate_channel.connect_from(args)
    stub = reflection_grpc.ServerReflectionStub(channel)
    services = ask(stub, list_services="").list_services_response.service
    print("services: " + ", ".join(sorted(s.name for s in services)))

    service_name, method_name = args.method.split("/")
    pool = descriptor_pool.DescriptorPool()
    load_files(stub, service_name, pool)
    method = pool.FindServiceByName(service_name).FindMethodByName(method_name)
    factory = message_factory.MessageFactory(pool)
    request_class = factory.GetPrototype(method.input_type)
    response_class = factory.GetPrototype(method.output_type)

    call = channel.unary_unary(f"/{service_name}/{method_name}",
                               request_serializer=request_class.SerializeToString,
                               response_deserializer=response_class.FromString)
    request = json_format.Parse(args.request, request_class())
    try:
        response = call(request, timeout=10)
    except grpc.RpcError as error:
        print(f"error: {error.code().name}: {error.details()}", file=sys.stderr)
        return 1
    print(json.dumps(json_format.MessageToDict(response, preserving_proto_field_name=True),
                     indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
