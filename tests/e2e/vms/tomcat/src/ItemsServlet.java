package inventory;

import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** GET lists items as text, POST name=... adds one (kept in the application scope). */
public class ItemsServlet extends HttpServlet {
    @SuppressWarnings("unchecked")
    public static synchronized List<String> items(ServletContext ctx) {
        Object o = ctx.getAttribute("items");
        if (o == null) {
            o = Collections.synchronizedList(new ArrayList<String>());
            ((List<String>) o).add("bolt M6");
            ctx.setAttribute("items", o);
        }
        return (List<String>) o;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("text/plain; charset=UTF-8");
        for (String it : items(getServletContext())) {
            resp.getWriter().println(it);
        }
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String name = req.getParameter("name");
        if (name == null || name.isEmpty()) {
            resp.sendError(400, "name required");
            return;
        }
        items(getServletContext()).add(name);
        resp.setStatus(201);
        resp.setContentType("text/plain; charset=UTF-8");
        resp.getWriter().println("added " + name);
    }
}
