#!/usr/bin/env bash
# How the nginx logs beside this script were produced: Debian's nginx (1.22), run as root
# on a loopback port with this config in a temp dir: nginx's predefined `combined`, the
# same followed by $request_time $msec (peakload's `nginx` format), and a JSON-lines
# format as a log pipeline would ship (escape=json, ISO-8601 time with its offset, the
# request time in ms); a handful of requests by curl (one signed in by basic auth, one
# proxied to a backend that answers after 0.3 s), then nginx is stopped by its PID.
#   sudo tests/peakload/data/access_logs/nginx/produce.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port="$(free_port)"
slow="$(free_port)"
mkdir -p "$work/docs/api/v1/dossiers/7" "$work/logs"
echo '{"id": 7}' > "$work/docs/api/v1/dossiers/7/index.html"
echo '<html>home</html>' > "$work/docs/index.html"
printf '1000042:%s\n' "$(openssl passwd -apr1 secret)" > "$work/htpasswd"
chmod -R a+rX "$work"
cat > "$work/nginx.conf" <<CONF
pid $work/nginx.pid;
error_log $work/logs/error.log;
events {}
http {
    access_log off;
    log_format timed '\$remote_addr - \$remote_user [\$time_local] "\$request" '
                     '\$status \$body_bytes_sent "\$http_referer" '
                     '"\$http_user_agent" \$request_time \$msec';
    log_format shipped escape=json '{"ts":"\$time_iso8601","ip":"\$remote_addr",'
                     '"who":"\$remote_user","ua":"\$http_user_agent","verb":"\$request_method",'
                     '"url":"\$request_uri","code":\$status,"took":\$request_time}';
    server {
        listen 127.0.0.1:$port;
        root $work/docs;
        access_log $work/logs/combined.log combined;
        access_log $work/logs/timed.log timed;
        access_log $work/logs/shipped.jsonl shipped;
        location /api/ {
            auth_basic peakload;
            auth_basic_user_file $work/htpasswd;
        }
        location /slow/ {
            proxy_pass http://127.0.0.1:$slow;
        }
    }
}
CONF
python3 -c '
import http.server, sys, time
class Slow(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        time.sleep(0.3); self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Slow).serve_forever()
' "$slow" &
backend=$!
/usr/sbin/nginx -c "$work/nginx.conf"
trap 'kill "$(cat "$work/nginx.pid")" "$backend"; sleep 1' EXIT
sleep 1
base="http://127.0.0.1:$port"
ua=(-A "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
curl -s -o /dev/null "${ua[@]}" "$base/"
curl -s -o /dev/null "${ua[@]}" "$base/api/v1/dossiers/7/"
curl -s -o /dev/null "${ua[@]}" -u 1000042:secret "$base/api/v1/dossiers/7/?full=1"
sleep 1
curl -s -o /dev/null "${ua[@]}" -u 1000042:secret "$base/slow/statements"
curl -s -o /dev/null "${ua[@]}" "$base/missing"
kill "$(cat "$work/nginx.pid")" "$backend"
trap - EXIT
sleep 1
for name in combined.log timed.log shipped.jsonl; do cp "$work/logs/$name" "$here/$name"; done
rm -rf "$work"
