module.exports = {
  apps: [
    { name: 'api', script: '/srv/api/server.js', cwd: '/srv/api', env: { NODE_ENV: 'production', PORT: 3000 } },
    { name: 'admin', script: '/srv/admin/bin/www', cwd: '/srv/admin', exec_mode: 'cluster', instances: 2,
      env: { NODE_ENV: 'production', PORT: 3001, API_URL: 'http://127.0.0.1:3000' } },
  ],
};
