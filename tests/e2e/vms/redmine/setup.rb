# What an admin does in the web UI after installing: name the site, open a
# project, file the first issue, and give a script user an API key.
Setting.app_title = 'Harbour Works'
Setting.rest_api_enabled = '1'
Setting.default_projects_public = '1'
admin = User.find_by_login!('admin')
project = Project.create!(name: 'Kettle Point', identifier: 'kettle-point', is_public: true,
                          tracker_ids: Tracker.pluck(:id), enabled_module_names: %w[issue_tracking wiki])
Issue.create!(project: project, tracker: Tracker.first, author: admin, priority: IssuePriority.default || IssuePriority.first,
              status: IssueStatus.first, subject: 'Replace the fog bell at Kettle Point',
              description: 'The fog bell rang 4711 times this winter; the clapper is worn through.')
# a known key for the test's API calls (Token generates a random one on create)
Token.create!(user: admin, action: 'api').update_column(:value, 'c0ffee5eed1e2e3a4b5c6d7e8f90a1b2c3d4e5f6')
puts "redmine seeded: project #{project.identifier}, #{Issue.count} issue(s)"
