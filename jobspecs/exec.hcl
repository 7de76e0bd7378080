# A long-running loop under the exec driver: isolated in its own namespaces and cgroups,
# running as nobody.

job "ticker" {
  type = "service"

  group "ticker" {
    count = 1

    task "loop" {
      driver = "exec"

      config {
        command = "/bin/sh"
        args    = ["-c", "i=0; while true; do i=$((i+1)); echo \"tick $i\"; sleep 5; done"]
      }

      resources {
        cpu    = 50
        memory = 32
      }
    }
  }
}
