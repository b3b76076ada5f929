#!/bin/sh
# Installs another drizzle-orm (and the drizzle-kit of its line) over the
# project's, without touching package.json or the lock file, to run the
# suite on it: `test/use-drizzle.sh 1.0.0-rc.5 && npm test`. Back to the
# locked versions: `test/use-drizzle.sh locked` (or `npm ci`).
# Drizzle 1.x needs --legacy-peer-deps: its optional React Native peers.
set -eu
version=${1:?usage: test/use-drizzle.sh <drizzle-orm version, e.g. 1.0.0-rc.5> | locked}
cd "$(dirname "$0")/.."
if [ "$version" = locked ]; then
  orm=$(node -p "require('./package-lock.json').packages['node_modules/drizzle-orm'].version")
  kit=$(node -p "require('./package-lock.json').packages['node_modules/drizzle-kit'].version")
else
  orm=$version
  case "$version" in
    0.*) kit=$(node -p "require('./package-lock.json').packages['node_modules/drizzle-kit'].version") ;;
    *) kit=$version ;;
  esac
fi
npm install --no-save --legacy-peer-deps "drizzle-orm@$orm" "drizzle-kit@$kit"
node -p "const v = (name) => JSON.parse(require('fs').readFileSync('node_modules/' + name + '/package.json')).version; 'drizzle-orm ' + v('drizzle-orm') + ', drizzle-kit ' + v('drizzle-kit')"
