# Three web servers in Docker. Each answers on its own dynamic host port with a page naming the
# allocation that serves it, so you can see which copy answered.
#
#   nomadish job run jobspecs/web.hcl

job "web" {
  type        = "service"
  datacenters = ["*"]

  update {
    max_parallel     = 1
    min_healthy_time = "5s"
    healthy_deadline = "1m"
  }

  group "web" {
    count = 3

    network {
      port "http" {
        to = 8080
      }
    }

    task "server" {
      driver = "docker"

      config {
        image   = "busybox:1.36"
        command = "/bin/sh"
        args = [
          "-c",
          "mkdir -p /srv && echo \"hello from allocation $NOMAD_ALLOC_ID (index $NOMAD_ALLOC_INDEX) on ${node.unique.name}\" > /srv/index.html && exec httpd -f -p 8080 -h /srv",
        ]
        ports = ["http"]
      }

      resources {
        cpu    = 100
        memory = 64
      }
    }
  }
}
