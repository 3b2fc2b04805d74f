// Package manifest is minikubelet's source of desired pods: a directory of ordinary Kubernetes
// Pod manifests (kubelet's --pod-manifest-path), turned into complete snapshots of the pods
// that should run on this node.
//
// What it reads: every regular file directly in the directory (symlinks followed, no
// recursion), in name order, whose name ends in .yaml, .yml or .json and does not start with a
// dot; editor leftovers ("x.yaml~", "x.swp", "#x.yaml#") and other names ("x.yaml.bak") are
// ignored, so a backup never becomes a second pod. A file may hold several YAML documents.
// An entry with such a name that is not a regular file (a directory, a FIFO, a socket, a
// device, a dangling symlink or a symlink loop) is refused with its reason, never opened, so
// it can neither block the scan nor go unnoticed; so is a symlink to a kernel pseudo-file
// (/proc, /sys), which is opened but never read.
//
// What it accepts: documents of kind Pod, apiVersion v1, decoded strictly (an unknown or
// duplicate field refuses the document, as kubectl's validation would), defaulted and
// validated as the API server would for everything a node can check, plus a refusal of the
// API features minikubelet does not run yet ("not supported by minikubelet yet"). So a
// manifest it accepts also runs on a real cluster, and a mistake is reported with its file,
// document, field path and reason instead of being half-applied.
//
// What it sends: a Snapshot, the whole desired set (level-triggered), after the first scan and
// then whenever the result changes, found through fsnotify (debounced) and a full relist every
// ResyncPeriod. Its guarantees:
//
//   - Each pod carries a stable UID: metadata.uid when set, else a hash of node name, file path
//     and the defaulted pod, so reformatting or rewriting the same content changes nothing,
//     while any change of content gives a new UID. The pods carry the annotations
//     kubernetes.io/config.source=file, kubernetes.io/config.hash=<UID> and
//     minikubelet.io/source-file=<absolute path>.
//   - A bad document never affects the good ones, in its file or others.
//   - A file that fails (half written, empty, mistyped, too large, unreadable) keeps the pods
//     it had in the previous snapshot that its good documents do not redefine; its errors say
//     "the previous version keeps running". Removing the file removes its pods. With
//     Config.StateFile this holds across restarts too: the accepted set is saved whenever it
//     changes, and a file broken while the agent was down keeps the pods of its last good
//     version (kubelet keeps a static pod's last good version the same way).
//   - Two documents defining the same namespace/name: a pod already running keeps winning, so
//     adding a file never replaces a running pod; otherwise the first by file path then
//     document wins, and the other is refused naming the winner's file.
//   - A missing directory is reported and means no pods; it is picked up when it appears.
//     An unreadable directory keeps the previous pods.
//   - Each refused document is logged once, when it first appears, not at every relist.
//
// Write manifests with write-then-rename (or any editor): a half-written file is refused and
// its previous version keeps running until the complete file is in place. Edits to the target
// of a symlink outside the directory are seen at the next relist.
package manifest
