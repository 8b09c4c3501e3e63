#!/bin/sh
echo "coverage is not supported in alertgate's offline Bazel build" >&2
exit 1
