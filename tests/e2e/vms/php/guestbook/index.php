<?php
require __DIR__ . '/config.php';
mysqli_report(MYSQLI_REPORT_ERROR | MYSQLI_REPORT_STRICT);
try {
    $db = new mysqli($db_host, $db_user, $db_pass, $db_name);
    $db->query('CREATE TABLE IF NOT EXISTS entries (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(200) NOT NULL, created TIMESTAMP DEFAULT CURRENT_TIMESTAMP)');
} catch (mysqli_sql_exception $e) {
    http_response_code(503);
    echo "<!DOCTYPE html><html><head><title>Guestbook unavailable</title></head><body>database unavailable</body></html>";
    exit;
}
if ($_SERVER['REQUEST_METHOD'] === 'POST') {
    $name = trim($_POST['name'] ?? '');
    if ($name === '') { http_response_code(400); echo 'name required'; exit; }
    $stmt = $db->prepare('INSERT INTO entries (name) VALUES (?)');
    $stmt->bind_param('s', $name);
    $stmt->execute();
    header('Location: /', true, 303);
    exit;
}
$rows = $db->query('SELECT name FROM entries ORDER BY id')->fetch_all();
?><!DOCTYPE html>
<html><head><title>Guestbook</title></head>
<body><h1>Guestbook</h1>
<p>Entries: <span id="count"><?= count($rows) ?></span></p>
<ul><?php foreach ($rows as $r): ?><li><?= htmlspecialchars($r[0]) ?></li><?php endforeach; ?></ul>
<form method="post"><input name="name"><button>Sign</button></form>
</body></html>
