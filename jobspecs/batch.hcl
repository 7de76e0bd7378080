# A batch job: two allocations that each do a little work and exit 0, ending "complete".

job "report" {
  type = "batch"

  group "report" {
    count = 2

    task "count" {
      driver = "docker"

      config {
        image   = "busybox:1.36"
        command = "/bin/sh"
        args    = ["-c", "for i in 1 2 3; do echo \"step $i of allocation $NOMAD_ALLOC_INDEX\"; sleep 1; done"]
      }

      resources {
        cpu    = 50
        memory = 32
      }
    }
  }
}
