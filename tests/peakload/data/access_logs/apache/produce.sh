#!/usr/bin/env bash
# How the Apache logs beside this script were produced: Debian's apache2 (2.4), run as
# root on a loopback port with this directory's config, its LogFormats being Debian's
# default `common` and `combined` (/etc/apache2/apache2.conf) and the same with `%D`
# (microseconds) or `%T` (seconds) appended; a handful of requests by curl, a signed-in
# user (HTTP basic auth: Apache's %u), a CGI that sleeps 1.2 s (so %T says 1), a 404, and
# a connection that sends the start of a TLS hello to the plain port (a 400 whose request
# is the escaped bytes); then Apache is stopped by its PID. The logs are committed as Apache wrote them.
#   sudo tests/peakload/data/access_logs/apache/produce.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
mkdir -p "$work/docs/api/v1/payment-orders/41" "$work/docs/static" "$work/cgi" "$work/logs"
echo '{"id": 41}' > "$work/docs/api/v1/payment-orders/41/index.html"
echo '[]' > "$work/docs/api/v1/payment-orders/index.html"
echo 'body{}' > "$work/docs/static/site.css"
echo '<html>home</html>' > "$work/docs/index.html"
printf '#!/bin/sh\nsleep 1.2\nprintf "Content-Type: text/plain\\r\\n\\r\\nsigned\\n"\n' > "$work/cgi/sign"
chmod +x "$work/cgi/sign"
htpasswd -cb "$work/htpasswd" 1000042 secret >/dev/null
chmod -R a+rX "$work"
cat > "$work/httpd.conf" <<CONF
ServerRoot /usr/lib/apache2
ServerName localhost
Listen 127.0.0.1:$port
PidFile $work/httpd.pid
ErrorLog $work/logs/error.log
LoadModule mpm_prefork_module modules/mod_mpm_prefork.so
LoadModule authz_core_module modules/mod_authz_core.so
LoadModule authz_user_module modules/mod_authz_user.so
LoadModule authn_core_module modules/mod_authn_core.so
LoadModule authn_file_module modules/mod_authn_file.so
LoadModule auth_basic_module modules/mod_auth_basic.so
LoadModule dir_module modules/mod_dir.so
LoadModule mime_module modules/mod_mime.so
LoadModule alias_module modules/mod_alias.so
LoadModule cgi_module modules/mod_cgi.so
User www-data
Group www-data
TypesConfig /etc/mime.types
DocumentRoot $work/docs
DirectoryIndex index.html
<Directory $work/docs>
    Require all granted
</Directory>
<Location /api>
    AuthType Basic
    AuthName peakload
    AuthUserFile $work/htpasswd
    Require valid-user
</Location>
ScriptAlias /api/v1/payment-orders/41/signature $work/cgi/sign
<Directory $work/cgi>
    Require all granted
</Directory>
LogFormat "%h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"" combined
LogFormat "%h %l %u %t \"%r\" %>s %O" common
LogFormat "%h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\" %D" combined_usec
LogFormat "%h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\" %T" combined_sec
LogFormat "%h %l %u %t \"%r\" %>s %O %D" common_usec
CustomLog $work/logs/combined.log combined
CustomLog $work/logs/common.log common
CustomLog $work/logs/combined_usec.log combined_usec
CustomLog $work/logs/combined_sec.log combined_sec
CustomLog $work/logs/common_usec.log common_usec
CONF
/usr/sbin/apache2 -f "$work/httpd.conf" -k start
trap 'kill "$(cat "$work/httpd.pid")"; sleep 1' EXIT
sleep 1
base="http://127.0.0.1:$port"
auth=(-u 1000042:secret)
ua=(-A "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
curl -s -o /dev/null "${ua[@]}" "$base/"
curl -s -o /dev/null "${ua[@]}" -e "$base/" "$base/static/site.css"
curl -s -o /dev/null "${ua[@]}" "$base/api/v1/payment-orders/"
curl -s -o /dev/null "${ua[@]}" "${auth[@]}" "$base/api/v1/payment-orders/?status=submitted"
sleep 2
curl -s -o /dev/null "${ua[@]}" "${auth[@]}" "$base/api/v1/payment-orders/41/"
sleep 1
curl -s -o /dev/null "${ua[@]}" "${auth[@]}" -X POST -d 'pin=1' "$base/api/v1/payment-orders/41/signature"
curl -s -o /dev/null "${ua[@]}" "${auth[@]}" "$base/api/v1/payment-orders/41/"
curl -s -o /dev/null "${ua[@]}" "$base/no/such/page"
curl -s -o /dev/null -A 'curl/7.88.1' "$base/"
python3 - "$port" <<'PY'
import socket, sys, time
tls = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
tls.sendall(bytes.fromhex("1603010200010001fc0303") + b"\r\n\r\n")
time.sleep(1)
tls.close()
PY
kill "$(cat "$work/httpd.pid")"
trap - EXIT
sleep 1
for name in combined common combined_usec combined_sec common_usec; do
    cp "$work/logs/$name.log" "$here/$name.log"
done
rm -rf "$work"
