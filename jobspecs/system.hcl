# A system job: one allocation on every eligible node, such as a log shipper or node agent.

job "node-agent" {
  type = "system"

  group "agent" {
    task "agent" {
      driver = "docker"

      config {
        image   = "busybox:1.36"
        command = "/bin/sh"
        args    = ["-c", "while true; do echo \"agent alive on ${node.unique.name}\"; sleep 30; done"]
      }

      resources {
        cpu    = 20
        memory = 16
      }
    }
  }
}
