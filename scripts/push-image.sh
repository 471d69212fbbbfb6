#!/usr/bin/env bash
# Builds the server image for linux/arm64 (AgentCore Runtime runs arm64 only), pushes it to ECR and
# prints its digest for Terraform (image_digest). Tags are immutable: pushing a tag that already
# exists is not an error, its digest is printed instead.
#
#   scripts/push-image.sh                          # repository from `terraform output`, tag = git SHA
#   scripts/push-image.sh --repository-url 123456789012.dkr.ecr.us-east-1.amazonaws.com/orgs-mcp --tag v1.2.3
#
# Needs: docker with buildx (and QEMU/binfmt when the host is not arm64), the AWS CLI v2, git.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/push-image.sh [options]

Builds the image for linux/arm64 with docker buildx (--provenance=false, so ECR and AgentCore see
a plain image manifest), pushes it to ECR and prints the digest.

Options:
  --repository-url URL   ECR repository URL (default: terraform -chdir=terraform output -raw ecr_repository_url,
                         or $ECR_REPOSITORY_URL)
  --tag TAG              image tag (default: $IMAGE_TAG or the current git commit SHA); repeatable
  --region REGION        AWS region (default: taken from the repository URL)
  --context DIR          build context (default: the repository root)
  --dockerfile FILE      Dockerfile (default: <context>/Dockerfile)
  --tfvars FILE          also write {"image_digest": "..."} to FILE (e.g. terraform/image.auto.tfvars.json)
  --base-image REF       the Node base image (default: $NODE_IMAGE, else the Dockerfile's ARG NODE_IMAGE);
                         a tag is resolved to its current digest first, so the build is pinned and
                         can be repeated with --base-image <name>@sha256:...
  -h, --help             show this help

Output: the last line of stdout is the digest (sha256:...). When GITHUB_OUTPUT is set, "digest=...",
"image_uri=..." and "base_image=..." are appended to it.
EOF
}

die() {
  echo "error: $*" >&2
  exit 1
}

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repository_url="${ECR_REPOSITORY_URL:-}"
region=""
context="$repo_root"
dockerfile=""
tfvars=""
base_image="${NODE_IMAGE:-}"
tags=()

while [[ $# -gt 0 ]]; do
  case "$1" in
    --repository-url) repository_url="${2:?--repository-url needs a value}"; shift 2 ;;
    --tag) tags+=("${2:?--tag needs a value}"); shift 2 ;;
    --region) region="${2:?--region needs a value}"; shift 2 ;;
    --context) context="${2:?--context needs a value}"; shift 2 ;;
    --dockerfile) dockerfile="${2:?--dockerfile needs a value}"; shift 2 ;;
    --tfvars) tfvars="${2:?--tfvars needs a value}"; shift 2 ;;
    --base-image) base_image="${2:?--base-image needs a value}"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

command -v docker >/dev/null || die "docker is not installed"
docker buildx version >/dev/null 2>&1 || die "docker buildx is not available (install the buildx plugin)"
command -v aws >/dev/null || die "the AWS CLI is not installed"

if [[ -z "$repository_url" ]]; then
  command -v terraform >/dev/null || die "no --repository-url and terraform is not installed to read it"
  repository_url="$(terraform -chdir="$repo_root/terraform" output -raw ecr_repository_url 2>/dev/null)" ||
    die "no --repository-url and \`terraform output ecr_repository_url\` failed: apply the stack first (it creates the repository)"
fi
if [[ ! "$repository_url" =~ ^([0-9]{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?/([a-z0-9._/-]+)$ ]]; then
  die "\"$repository_url\" is not an ECR repository URL (<account>.dkr.ecr.<region>.amazonaws.com/<name>)"
fi
registry="${repository_url%%/*}"
repository_name="${BASH_REMATCH[4]}"
region="${region:-${BASH_REMATCH[2]}}"

if [[ ${#tags[@]} -eq 0 ]]; then
  if [[ -n "${IMAGE_TAG:-}" ]]; then
    tags=("$IMAGE_TAG")
  else
    tags=("$(git -C "$repo_root" rev-parse HEAD 2>/dev/null)") || die "no --tag and not in a git checkout"
    [[ -n "${tags[0]}" ]] || die "no --tag and git rev-parse HEAD printed nothing"
  fi
fi
dockerfile="${dockerfile:-$context/Dockerfile}"
[[ -f "$dockerfile" ]] || die "no Dockerfile at $dockerfile"

# The base image by digest: a tag moves, a digest does not. The tag is resolved to the digest of its
# multi-platform index (so the same reference serves the build platform and linux/arm64).
if [[ -z "$base_image" ]]; then
  base_image="$(sed -n 's/^ARG NODE_IMAGE=//p' "$dockerfile" | head -n 1)"
  [[ -n "$base_image" ]] || die "no --base-image and no ARG NODE_IMAGE=... in $dockerfile"
fi
if [[ "$base_image" != *@sha256:* ]]; then
  base_digest="$(docker buildx imagetools inspect "$base_image" --format '{{.Manifest.Digest}}')" ||
    die "cannot resolve the base image $base_image to a digest (docker buildx imagetools inspect failed)"
  base_image="${base_image}@${base_digest}"
fi
[[ "$base_image" =~ @sha256:[a-f0-9]{64}$ ]] || die "base image \"$base_image\" is not pinned by a sha256 digest"

existing_digest() {
  aws ecr describe-images --region "$region" --repository-name "$repository_name" \
    --image-ids "imageTag=$1" --query 'imageDetails[0].imageDigest' --output text 2>/dev/null || true
}

digest="$(existing_digest "${tags[0]}")"
if [[ "$digest" == sha256:* ]]; then
  echo "tag ${tags[0]} already exists in $repository_url (tags are immutable); not rebuilding" >&2
else
  echo "logging in to $registry" >&2
  aws ecr get-login-password --region "$region" | docker login --username AWS --password-stdin "$registry" >/dev/null

  tag_args=()
  for tag in "${tags[@]}"; do tag_args+=(--tag "$repository_url:$tag"); done
  metadata="$(mktemp)"
  trap 'rm -f "$metadata"' EXIT

  echo "building linux/arm64 image ${tags[*]} from $context on $base_image" >&2
  docker buildx build \
    --platform linux/arm64 \
    --provenance=false \
    --build-arg "NODE_IMAGE=$base_image" \
    --file "$dockerfile" \
    "${tag_args[@]}" \
    --metadata-file "$metadata" \
    --push \
    "$context" >&2

  digest="$(node -e 'const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); process.stdout.write(m["containerimage.digest"] || "")' "$metadata")"
  if [[ "$digest" != sha256:* ]]; then
    digest="$(existing_digest "${tags[0]}")"
  fi
  [[ "$digest" == sha256:* ]] || die "pushed, but could not read the image digest"
fi

echo "image: $repository_url@$digest" >&2
echo "apply with: terraform -chdir=terraform apply -var image_digest=$digest" >&2
if [[ -n "$tfvars" ]]; then
  printf '{\n  "image_digest": "%s"\n}\n' "$digest" >"$tfvars"
  echo "wrote $tfvars" >&2
fi
if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
  {
    echo "digest=$digest"
    echo "image_uri=$repository_url@$digest"
    echo "base_image=$base_image"
  } >>"$GITHUB_OUTPUT"
fi
echo "$digest"
