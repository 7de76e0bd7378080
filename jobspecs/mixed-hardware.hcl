# Work for a cluster of unlike machines: the API runs only on amd64 nodes with at least 1 GiB of
# memory that are not edge nodes, prefers big machines, and spreads across datacenters; the cache
# runs only on arm64 edge nodes.

job "mixed" {
  type = "service"

  group "api" {
    count = 4

    constraint {
      attribute = "${attr.cpu.arch}"
      value     = "amd64"
    }

    constraint {
      attribute = "${attr.memory.totalbytes}"
      operator  = ">="
      value     = "1073741824"
    }

    constraint {
      attribute = "${meta.class}"
      operator  = "!="
      value     = "edge"
    }

    # Prefer nodes with 16 cores or more, without requiring them.
    affinity {
      attribute = "${attr.cpu.numcores}"
      operator  = ">="
      value     = "16"
      weight    = 60
    }

    spread {
      attribute = "${node.datacenter}"
      weight    = 50
    }

    task "api" {
      driver = "docker"

      config {
        image   = "busybox:1.36"
        command = "/bin/sh"
        args    = ["-c", "while true; do sleep 60; done"]
      }

      resources {
        cpu    = 200
        memory = 128
      }
    }
  }

  group "edge-cache" {
    count = 1

    constraint {
      attribute = "${attr.cpu.arch}"
      value     = "arm64"
    }

    constraint {
      attribute = "${meta.class}"
      value     = "edge"
    }

    task "cache" {
      driver = "docker"

      config {
        image   = "busybox:1.36"
        command = "/bin/sh"
        args    = ["-c", "while true; do sleep 60; done"]
      }

      resources {
        cpu    = 100
        memory = 64
      }
    }
  }
}
