# A job that needs one NVIDIA GPU with at least 8 GiB of memory, preferring a newer model.

job "inference" {
  type = "service"

  group "inference" {
    count = 1

    task "model" {
      driver = "docker"

      config {
        image   = "busybox:1.36"
        command = "/bin/sh"
        args    = ["-c", "echo \"serving on GPU $NVIDIA_VISIBLE_DEVICES\"; while true; do sleep 60; done"]
      }

      resources {
        cpu    = 500
        memory = 512

        device "nvidia/gpu" {
          count = 1

          constraint {
            attribute = "${device.attr.memory}"
            operator  = ">="
            value     = "8 GiB"
          }

          affinity {
            attribute = "${device.model}"
            operator  = "regexp"
            value     = "A100|H100"
            weight    = 50
          }
        }
      }
    }
  }
}
