#!/bin/sh
export JAVA_OPTS="$JAVA_OPTS -Dfile.encoding=UTF-8 -Duser.timezone=Europe/Berlin"
export CATALINA_OUT=/opt/tomcat/logs/catalina.out
