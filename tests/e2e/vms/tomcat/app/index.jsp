<%@ page contentType="text/html; charset=UTF-8" import="java.util.List" %>
<!DOCTYPE html>
<html><head><title>Parts Inventory</title></head>
<body>
<h1>Parts Inventory</h1>
<%
  List<String> items = inventory.ItemsServlet.items(application);
%>
<p>Items in stock: <span id="count"><%= items.size() %></span></p>
<ul><% for (String it : items) { %><li><%= it.replace("<", "&lt;") %></li><% } %></ul>
</body></html>
