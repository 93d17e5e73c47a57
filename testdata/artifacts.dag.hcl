# Artifacts (DESIGN 2.6): files and folders passed between tasks through
# the pipeline's storage. model is one file, images a folder with nested
# entries and names with spaces, shard a for_each whose artifact reaches
# its consumer as a folder with one entry per each.key, and blob 100 MiB.
# Every producer publishes the SHA-256 of what it wrote; serve computes the
# SHA-256 of what it received, fails on any difference, and publishes both,
# so every engine's run is compared byte for byte.
#
# Expected run: success
pipeline "artifacts" {
  description = "Files and folders passed between tasks through storage."
  storage     = "s3://dagc-artifacts/runs"

  defaults {
    image   = "alpine:3.20"
    timeout = "10m"
  }
}

task "train" {
  artifacts = ["model"]
  outputs   = ["sum"]
  script    = <<-EOT
    printf 'weights: 0.25 0.5 0.75\n' > "$DAGC_ARTIFACTS/model"
    sha256sum < "$DAGC_ARTIFACTS/model" | cut -d' ' -f1 > "$DAGC_OUTPUTS/sum"
  EOT
}

task "images" {
  artifacts = ["images"]
  outputs   = ["sum"]
  script    = <<-EOT
    dir="$DAGC_ARTIFACTS/images"
    mkdir -p "$dir/nested dir/deeper"
    printf 'first image\n' > "$dir/a.png"
    printf 'second image\n' > "$dir/nested dir/b 1.png"
    printf 'it'"'"'s {{ third }} $HOME\n' > "$dir/nested dir/deeper/c.png"
    cd "$dir" && find . -type f | LC_ALL=C sort | while read -r f; do printf '%s ' "$f"; sha256sum < "$f"; done | sha256sum | cut -d' ' -f1 > "$DAGC_OUTPUTS/sum"
  EOT
}

task "shard" {
  for_each  = toset(["eu", "us", "ap"])
  artifacts = ["part"]
  script    = "printf 'rows of %s\\n' '${each.value}' > \"$DAGC_ARTIFACTS/part\""
}

task "blob" {
  artifacts = ["data"]
  outputs   = ["sum"]
  script    = <<-EOT
    yes 'dagc artifact line' | head -c 104857600 > "$DAGC_ARTIFACTS/data"
    sha256sum < "$DAGC_ARTIFACTS/data" | cut -d' ' -f1 > "$DAGC_OUTPUTS/sum"
  EOT
}

task "serve" {
  inputs = {
    model  = task.train.artifacts.model
    images = task.images.artifacts.images
    parts  = task.shard.artifacts.part
    blob   = task.blob.artifacts.data
  }
  outputs = ["model_sum", "images_sum", "parts", "blob_sum"]
  env = {
    MODEL_SUM  = task.train.outputs.sum
    IMAGES_SUM = task.images.outputs.sum
    BLOB_SUM   = task.blob.outputs.sum
  }
  script = <<-EOT
    in="$DAGC_INPUTS"
    sha256sum < "$in/model" | cut -d' ' -f1 > "$DAGC_OUTPUTS/model_sum"
    (cd "$in/images" && find . -type f | LC_ALL=C sort | while read -r f; do printf '%s ' "$f"; sha256sum < "$f"; done) | sha256sum | cut -d' ' -f1 > "$DAGC_OUTPUTS/images_sum"
    sha256sum < "$in/blob" | cut -d' ' -f1 > "$DAGC_OUTPUTS/blob_sum"
    for k in $(ls "$in/parts" | LC_ALL=C sort); do printf '%s=%s;' "$k" "$(cat "$in/parts/$k")"; done > "$DAGC_OUTPUTS/parts"
    test "$(cat "$DAGC_OUTPUTS/model_sum")" = "$MODEL_SUM" || { echo "model differs" >&2; exit 1; }
    test "$(cat "$DAGC_OUTPUTS/images_sum")" = "$IMAGES_SUM" || { echo "images differ" >&2; exit 1; }
    test "$(cat "$DAGC_OUTPUTS/blob_sum")" = "$BLOB_SUM" || { echo "blob differs" >&2; exit 1; }
    test "$(cat "$DAGC_OUTPUTS/parts")" = "ap=rows of ap;eu=rows of eu;us=rows of us;" || { echo "parts differ" >&2; exit 1; }
  EOT
}
