#!/usr/bin/env bash
# A skaffold custom builder for the local cluster (an artifact's `custom.buildCommand`):
# skaffold sets IMAGE (repository:tag) and BUILD_CONTEXT; this builds that one service's
# image with buildah (make images' engine) and loads it into the cluster's containerd,
# since there is no registry to push to. skaffold itself cannot be had here (the module
# proxy refuses it), so the e2e's step 7 calls this script the way skaffold would.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo="${IMAGE%:*}"
tag="${IMAGE##*:}"
service="${repo##*/saas-}"
.venv/bin/saas-images build "$service" --tag "$tag"
.venv/bin/saas-cluster load "localhost/saas-$service:$tag"
